package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SweepGap#sweepGapPairBrier} against the direct FP64 sum it replaces: for logits l_h(y) of several
 * tokens, each cut into chunks, pair states P_hk = sum exp(l_h - m_h) exp(l_k - m_k) per chunk (relative to
 * the chunk's own head maxima m_h, d2_h the diagonal) summed in FP64 here, and log Z_h of the whole token,
 * each chunk's term equals sum over its y of (sum_h exp(l_h(y) - log Z_h))^2.
 */
class SweepGapPairBrierTest {

    @Test
    void pairStatesGiveTheSumOfSquaredMixtures() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int heads : new int[] {1, 2, 5}) {
            int tokens = 2;
            int chunks = 3;
            int len = 11; // y per chunk
            int items = tokens * chunks;
            double[][][] l = new double[items][heads][len];
            for (double[][] item : l) {
                for (double[] row : item) {
                    for (int y = 0; y < len; y++) {
                        row[y] = 4 * rnd.nextDouble() - 2 + (rnd.nextInt(9) == 0 ? 5 : 0);
                    }
                }
            }
            double[] hm = new double[items * heads];
            double[] hd2 = new double[items * heads];
            double[] pairs = new double[items * heads * (heads - 1) / 2];
            double[] logZ = new double[tokens * heads];
            for (int i = 0; i < items; i++) {
                for (int h = 0; h < heads; h++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (double x : l[i][h]) {
                        m = Math.max(m, x);
                    }
                    hm[i * heads + h] = m;
                }
                for (int h = 0; h < heads; h++) {
                    for (int k = h; k < heads; k++) {
                        double s = 0;
                        for (int y = 0; y < len; y++) {
                            s += Math.exp(l[i][h][y] - hm[i * heads + h]) * Math.exp(l[i][k][y] - hm[i * heads + k]);
                        }
                        if (k == h) {
                            hd2[i * heads + h] = s;
                        } else {
                            pairs[i * heads * (heads - 1) / 2 + SweepGap.pairIndex(h, k, heads)] = s;
                        }
                    }
                }
            }
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < heads; h++) {
                    double d = 0;
                    for (int c = 0; c < chunks; c++) {
                        for (double x : l[t * chunks + c][h]) {
                            d += Math.exp(x);
                        }
                    }
                    logZ[t * heads + h] = Math.log(d);
                }
            }
            double[] mixSq = new double[items];
            double[] weights = new double[items * heads];
            for (int i = 0; i < items; i++) {
                SweepGap.sweepGapPairBrier(i, heads, chunks, hm, hd2, pairs, logZ, weights, mixSq);
            }
            for (int i = 0; i < items; i++) {
                int t = i / chunks;
                double want = 0;
                for (int y = 0; y < len; y++) {
                    double s = 0;
                    for (int h = 0; h < heads; h++) {
                        s += Math.exp(l[i][h][y] - logZ[t * heads + h]);
                    }
                    want += s * s;
                }
                // FP64 sums of at most len H^2 positive terms, exp within an ulp: 1e-13 relative is ample
                assertEquals(want, mixSq[i], 1e-13 * want, "H = " + heads + ", item " + i);
            }
        }
    }

    @Test
    void pairIndexPacksTheUpperTriangleRowByRow() {
        int heads = 5;
        int p = 0;
        for (int h = 0; h < heads; h++) {
            for (int k = h + 1; k < heads; k++) {
                assertEquals(p++, SweepGap.pairIndex(h, k, heads));
            }
        }
    }
}
