package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one (m, d) merge of the kernels: chunked states merged in order give the direct LSE. */
class MergeLseTest {

    static double[] gaussian(int n, long seed) {
        int[] scratch = new int[4];
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Laws.draw(i, 0, seed, Laws.GAUSSIAN, 0, 11, 0, scratch, 0);
        }
        return x;
    }

    /** LSE of x in one FP64 pass: max, then the shifted sum. */
    static double direct(double[] x) {
        double m = LogSumExp.LOWEST;
        for (double v : x) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : x) {
            s += Math.exp(v - m);
        }
        return m + Math.log(s);
    }

    /**
     * Chunk states of 1000 terms of size &le; 1 merged in another order than the direct sum: FP64
     * rounding of ~1000 additions, below 1e-12 relative to log d ~ 7: 1e-10 leaves room.
     */
    @Test
    void chunkedStatesMergedInOrderGiveTheDirectLse() {
        double[] x = gaussian(1000, 4);
        double expected = direct(x);
        for (int chunks : new int[] {1, 7, 64, 999, 1000}) {
            double[] m = new double[chunks];
            double[] d = new double[chunks];
            for (int c = 0; c < chunks; c++) {
                LogSumExp.lsePartial(c, x, x.length, chunks, Chunks.CONTIGUOUS, 1.0, m, d);
            }
            assertEquals(expected, LogSumExp.mergeLse(0, chunks, 1, m, d), 1e-10, "chunks " + chunks);
        }
    }

    @Test
    void theStrideSelectsOneStateOfEachChunk() {
        // states of two interleaved rows: row 0 at even slots, row 1 at odd slots
        double[] m = {0, 5, 0, LogSumExp.LOWEST, 0, 5};
        double[] d = {1, 2, 1, 0, 1, 3};
        assertEquals(Math.log(3), LogSumExp.mergeLse(0, 3, 2, m, d), 1e-15);
        assertEquals(5 + Math.log(5), LogSumExp.mergeLse(1, 3, 2, m, d), 1e-15, "an empty chunk state is ignored");
    }

    @Test
    void theMergePassesUseIt() {
        double[] m = {1, 2, 3, 4};
        double[] d = {1, 1, 1, 1};
        double[] out = new double[2];
        LogSumExp.lseMerge(1, 2, m, d, out);
        assertEquals(4 + Math.log(1 + Math.exp(-1)), out[1], 1e-15);
        double[] p = new double[2];
        double[] lse = new double[2];
        Crowding.crowdingMerge(1, 2, m, d, 4.0, p, lse);
        assertEquals(out[1], lse[1], 0.0);
        assertEquals(1 / (1 + Math.exp(out[1] - 4)), p[1], 1e-15);
    }
}
