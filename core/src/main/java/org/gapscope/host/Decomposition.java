package org.gapscope.host;

import org.gapscope.kernels.Chunks;

/**
 * How a kernel-running backend splits its work, as one value: every pass of the backend, on the host or
 * on a device, uses the same one.
 *
 * @param layout        {@link Chunks#CONTIGUOUS} or {@link Chunks#STRIDED}
 * @param chunk         elements per chunk of a vocabulary row (LSE, softmax, Gamma)
 * @param crowdingChunk distractors per chunk of the crowding simulation
 * @param local         work-items per work-group on a device (1 on the host)
 */
public record Decomposition(int layout, int chunk, int crowdingChunk, int local) {
    public Decomposition {
        if (layout != Chunks.CONTIGUOUS && layout != Chunks.STRIDED) {
            throw new IllegalArgumentException("layout " + layout);
        }
        if (chunk < 1 || crowdingChunk < 1 || local < 1) {
            throw new IllegalArgumentException("decomposition sizes must be >= 1: " + chunk + ", " + crowdingChunk
                    + ", " + local);
        }
    }

    /** A host decomposition (no work-groups). */
    public static Decomposition host(int layout, int chunk, int crowdingChunk) {
        return new Decomposition(layout, chunk, crowdingChunk, 1);
    }
}
