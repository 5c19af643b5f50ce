package org.gapscope.tests;

import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;

/**
 * A test-only backend, "grid": the kernel bodies on the sequential grid runner with the strided
 * layout (the one GPUs use) and short odd chunks, so the equivalence harness runs exactly the code a
 * TornadoVM task compiles, in the layout the cpu backend does not use. Registered through
 * META-INF/services of the test classpath, like any other backend.
 */
public final class GridBackend extends KernelBackend {
    public GridBackend() {
        super("grid", SEQUENTIAL, Chunks.STRIDED, 1000, 4099);
    }

    @Override
    public String device() {
        return "kernel bodies on the sequential grid runner, strided chunks (test backend)";
    }
}
