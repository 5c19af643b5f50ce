package org.gapscope.kernels;

/**
 * Chunk layouts of the reduction bodies. A row of {@code n} elements is split over {@code chunks}
 * work-items. {@link #CONTIGUOUS}: chunk c owns the block [c*len, min(n, (c+1)*len)) with
 * len = ceil(n / chunks) (about 10x faster on CPU OpenCL devices: each work-item streams its own
 * cache lines). {@link #STRIDED}: chunk c owns c, c + chunks, c + 2*chunks, ... (neighbouring
 * work-items read neighbouring elements: coalesced loads on GPUs).
 */
public final class Chunks {
    private Chunks() {}

    public static final int CONTIGUOUS = 0;
    public static final int STRIDED = 1;

    /** Elements per contiguous chunk: ceil(n / chunks). */
    public static long length(long n, int chunks) {
        return (n + chunks - 1) / chunks;
    }

    /** First element of chunk c (its k-th element is {@code start + k * step}). */
    public static long start(long n, int chunks, int c, int layout) {
        if (layout == STRIDED) {
            return c;
        }
        return c * length(n, chunks);
    }

    /** Distance between consecutive elements of a chunk. */
    public static long step(int chunks, int layout) {
        if (layout == STRIDED) {
            return chunks;
        }
        return 1;
    }

    /** Number of elements chunk c owns (0 when n is small and c is large). */
    public static long count(long n, int chunks, int c, int layout) {
        if (layout == STRIDED) {
            if (c >= n) {
                return 0;
            }
            return (n - c + chunks - 1) / chunks;
        }
        long len = length(n, chunks);
        long from = c * len;
        long to = from + len;
        if (to > n) {
            to = n;
        }
        if (from >= to) {
            return 0;
        }
        return to - from;
    }
}
