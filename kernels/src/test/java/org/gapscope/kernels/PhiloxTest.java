package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {

    /** Known-answer vectors of Philox-4x32-10 from Random123's kat_vectors (Salmon et al., SC 2011). */
    @Test
    void knownAnswerVectors() {
        int[][] cases = {
            {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
            {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
            {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
                0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
        };
        for (int[] c : cases) {
            int[] out = new int[6];
            Philox.block(c[0], c[1], c[2], c[3], c[4], c[5], out, 2);
            assertArrayEquals(new int[] {c[6], c[7], c[8], c[9]}, java.util.Arrays.copyOfRange(out, 2, 6));
        }
    }

    @Test
    void uniformIsStrictlyInsideTheUnitInterval() {
        assertEquals(0.5 / 4503599627370496.0, Philox.uniform(0, 0), 0.0);
        double top = Philox.uniform(-1, -1);
        assertTrue(top < 1.0 && top > 1.0 - 1e-15, "largest uniform " + top);
        // 52 bits: low words that differ above bit 6 give different values
        assertTrue(Philox.uniform(0, 64) > Philox.uniform(0, 0));
    }

    @Test
    void drawsHaveTheLawsMoments() {
        // 200k draws: the sample mean's standard error is sigma/sqrt(n) = 2.2e-3 for unit variance;
        // 5 standard errors (1.1e-2) keeps this deterministic test far from a flaky edge.
        int n = 200_000;
        int[] scratch = new int[4];
        double[][] expect = { // law, a, b, c, mean, variance
            {Laws.GAUSSIAN, 1, 2, 0, 1, 4},
            {Laws.GUMBEL, 0, 1, 0, 0.5772156649015329, Math.PI * Math.PI / 6},
            {Laws.UNIFORM, -1, 3, 0, 1, 16.0 / 12},
            {Laws.EXPONENTIAL, 0, 2, 0, 0.5, 0.25},
            {Laws.STUDENT_T, 0, 1, 5, 0, 5.0 / 3},
        };
        for (double[] e : expect) {
            double s = 0;
            double s2 = 0;
            for (int i = 0; i < n; i++) {
                double x = Laws.draw(i, 7, 42L, (int) e[0], e[1], e[2], e[3], scratch, 0);
                s += x;
                s2 += x * x;
            }
            double mean = s / n;
            double var = s2 / n - mean * mean;
            double se = Math.sqrt(e[5] / n);
            assertEquals(e[4], mean, 5 * se, "mean of law " + (int) e[0]);
            // variance: relative standard error about sqrt(2/n) (more for heavy tails): 5% is > 10 se
            assertEquals(e[5], var, 0.05 * e[5], "variance of law " + (int) e[0]);
        }
    }

    @Test
    void drawsAreAFunctionOfSeedRepetitionAndIndexAlone() {
        int[] a = new int[4];
        int[] b = new int[8];
        for (long i = 0; i < 1000; i++) {
            double x = Laws.draw(i + (1L << 33), 3, -5L, Laws.GAUSSIAN, 0, 1, 0, a, 0);
            double y = Laws.draw(i + (1L << 33), 3, -5L, Laws.GAUSSIAN, 0, 1, 0, b, 4);
            assertEquals(x, y, 0.0);
        }
        double other = Laws.draw(0, 4, -5L, Laws.GAUSSIAN, 0, 1, 0, a, 0);
        assertTrue(other != Laws.draw(0, 3, -5L, Laws.GAUSSIAN, 0, 1, 0, a, 0));
    }
}
