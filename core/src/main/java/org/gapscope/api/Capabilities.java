package org.gapscope.api;

/**
 * What a backend can do.
 *
 * @param fp64           accumulates in IEEE double precision (false: compensated FP32, stated in output)
 * @param parallelism    work-items run at once (cores, compute units)
 * @param accelerator    runs on a device other than the host CPU
 * @param accumulation   one line on how sums are accumulated, printed next to results
 */
public record Capabilities(boolean fp64, int parallelism, boolean accelerator, String accumulation) {}
