package org.gapscope.kernels;

/**
 * Bodies of logSumExp, softmax and logSoftmax (docs/MATH.md section 1) as partial (m, d) states over chunks
 * plus a merge pass. {@code x} holds {@code rows} rows of {@code v} elements; work-item
 * {@code item = row * chunks + c} reduces chunk c of its row (layout: {@link Chunks}) to
 * m = max of x/T over the chunk and d = sum exp(x/T - m), in two branch-free passes (the second pass
 * reads the chunk from cache). Sums are in FP64 and exp is evaluated in FP64.
 *
 * <p>Finite inputs only: rows holding NaN or +-inf give NaN or meaningless results here, and the host
 * recomputes those rows with the conventions of docs/MATH.md section 1 (the bodies cannot test for NaN
 * on TornadoVM). An empty chunk gets m = -Double.MAX_VALUE, d = 0, which the merge ignores.
 *
 * <p>Error: per chunk, each exp term has relative error ~1e-16 and the FP64 sum of n terms adds at
 * most n * 2^-53 relative; the merge multiplies by exp(m_c - M) (one more rounding). For
 * V = 262144 the LSE's absolute error is below 1e-10.
 */
public final class LogSumExp {
    private LogSumExp() {}

    /** The most negative finite double: the start value of maxima (no infinity constants in bodies). */
    public static final double LOWEST = -1.7976931348623157E308;

    /** Partial state of chunk {@code item % chunks} of row {@code item / chunks}: m[item], d[item]. */
    public static void lsePartial(int item, float[] x, int v, int chunks, int layout, double invT,
                                  double[] m, double[] d) {
        int row = item / chunks;
        int c = item % chunks;
        long base = (long) row * v;
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double mx = LOWEST;
        for (long k = 0; k < count; k++) {
            double y = x[(int) (base + start + k * step)] * invT;
            mx = Math.max(mx, y);
        }
        double s = 0.0;
        for (long k = 0; k < count; k++) {
            s += Math.exp(x[(int) (base + start + k * step)] * invT - mx);
        }
        m[item] = mx;
        d[item] = s;
    }

    /** The same for FP64 data. */
    public static void lsePartial(int item, double[] x, int v, int chunks, int layout, double invT,
                                  double[] m, double[] d) {
        int row = item / chunks;
        int c = item % chunks;
        long base = (long) row * v;
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double mx = LOWEST;
        for (long k = 0; k < count; k++) {
            double y = x[(int) (base + start + k * step)] * invT;
            mx = Math.max(mx, y);
        }
        double s = 0.0;
        for (long k = 0; k < count; k++) {
            s += Math.exp(x[(int) (base + start + k * step)] * invT - mx);
        }
        m[item] = mx;
        d[item] = s;
    }

    /**
     * The merge of (m, d) states, the one copy every merge pass calls: the states at
     * first, first + stride, ..., first + (count - 1) * stride, taken in that (chunk) order, give
     * M = max m_c and D = sum d_c exp(m_c - M); returns LSE = M + log D.
     */
    public static double mergeLse(int first, int count, int stride, double[] m, double[] d) {
        double mx = LOWEST;
        for (int c = 0; c < count; c++) {
            mx = Math.max(mx, m[first + c * stride]);
        }
        double s = 0.0;
        for (int c = 0; c < count; c++) {
            s += d[first + c * stride] * Math.exp(m[first + c * stride] - mx);
        }
        return mx + Math.log(s);
    }

    /** Merge pass of logSumExp: out[row] = M + log D over the row's chunk states [row * chunks, ...). */
    public static void lseMerge(int row, int chunks, double[] m, double[] d, double[] out) {
        out[row] = mergeLse(row * chunks, chunks, 1, m, d);
    }

    // ---- the work-group form: one chunk per work-group, its work-items reading it with a stride ----

    /**
     * Work-item t of a work-group of {@code group} items that reduces the contiguous chunk
     * x[base, base + count): the maximum of x * invT over its elements base + t, base + t + group, ...
     * (neighbouring work-items read neighbouring elements). LOWEST when it has none.
     */
    public static double groupMax(int t, int group, float[] x, long base, long count, double invT) {
        double mx = LOWEST;
        for (long k = t; k < count; k += group) {
            mx = Math.max(mx, x[(int) (base + k)] * invT);
        }
        return mx;
    }

    /** The same work-item's sum of exp(x * invT - top), top being the chunk's maximum. */
    public static double groupExpSum(int t, int group, float[] x, long base, long count, double invT, double top) {
        double s = 0.0;
        for (long k = t; k < count; k += group) {
            s += Math.exp(x[(int) (base + k)] * invT - top);
        }
        return s;
    }

    /**
     * Writes softmax (log = 0) or log-softmax (log = 1) of chunk {@code item % chunks} of row
     * {@code item / chunks}, given the row's LSE of x/T in {@code lse[row]}.
     */
    public static void softmaxWrite(int item, float[] x, int v, int chunks, int layout, double invT,
                                    double[] lse, int log, double[] out) {
        int row = item / chunks;
        int c = item % chunks;
        long base = (long) row * v;
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double l = lse[row];
        for (long k = 0; k < count; k++) {
            int i = (int) (base + start + k * step);
            double y = x[i] * invT - l;
            if (log == 1) {
                out[i] = y;
            } else {
                out[i] = Math.exp(y);
            }
        }
    }

    /** The same for FP64 data. */
    public static void softmaxWrite(int item, double[] x, int v, int chunks, int layout, double invT,
                                    double[] lse, int log, double[] out) {
        int row = item / chunks;
        int c = item % chunks;
        long base = (long) row * v;
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double l = lse[row];
        for (long k = 0; k < count; k++) {
            int i = (int) (base + start + k * step);
            double y = x[i] * invT - l;
            if (log == 1) {
                out[i] = y;
            } else {
                out[i] = Math.exp(y);
            }
        }
    }
}
