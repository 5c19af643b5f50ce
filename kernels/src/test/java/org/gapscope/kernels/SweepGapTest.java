package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The fused sweep bodies on their own: the logits against the stream convention written out from
 * {@link Laws#normal} (whose draws {@link LawsKnownAnswerTest} pins), the margin's token per law, and
 * the first pass, merge and second pass against direct FP64 sums over the same logits, for every law,
 * both chunk layouts, one chunk, several, and more chunks than tokens (empty chunks).
 */
class SweepGapTest {
    static final int H = 3;
    static final int V = 37;
    static final double SIGMA = 1.3;
    static final double MARGIN = 2.5;
    static final double RHO = 0.36; // sqrt: 0.6 and 0.8
    static final double T = 0.7;

    /**
     * l^(h)_y by the convention (README, "Random numbers"): head noise at index (b H + h) V + y, repetition
     * 0; shared noise at b V + y, repetition 1; sigma e, sigma z, sigma (sqrt(rho) z + sqrt(1 - rho) e);
     * plus the margin at y* (agree) or (y* + h) mod V (disagree); divided by T in FP64, rounded to float32.
     */
    static float expected(int law, long b, int h, int heads, int v, long y, int target, long seed) {
        int[] s = new int[4];
        double e = Laws.normal((b * heads + h) * v + y, SweepGap.REP_HEAD, seed, s, 0);
        double z = Laws.normal(b * v + y, SweepGap.REP_SHARED, seed, s, 0);
        double x = switch (law) {
            case SweepGap.GAUSSIAN -> SIGMA * e;
            case SweepGap.IDENTICAL -> SIGMA * z;
            case SweepGap.CORRELATED -> SIGMA * (0.6 * z + 0.8 * e);
            case SweepGap.AGREE -> SIGMA * e + (y == target ? MARGIN : 0.0);
            case SweepGap.DISAGREE -> SIGMA * e + (y == (target + h) % v ? MARGIN : 0.0);
            default -> throw new IllegalArgumentException("law " + law);
        };
        return (float) (x / T);
    }

    static float logit(int law, long b, int h, int heads, int v, long y, int target, long seed) {
        return SweepGap.logit(law, b, h, heads, v, y, target, seed, SIGMA, MARGIN, Math.sqrt(RHO), Math.sqrt(1 - RHO), T,
                new int[8], 4);
    }

    /**
     * Every law, heads whose margin token wraps around V, token indices above 2^32 / (H V), two seeds.
     * Tolerance: one float32 ulp of the logit (the FP64 value before the single rounding may differ in
     * its last bits if the arithmetic is reordered, which can move the rounded float by one ulp; a wrong
     * stream, index or law moves it by ~sigma / T).
     */
    @Test
    void logitsFollowTheStreamConvention() {
        for (int law = SweepGap.GAUSSIAN; law <= SweepGap.DISAGREE; law++) {
            for (long seed : new long[] {42L, -5L}) {
                for (long b : new long[] {0, 1, 7, (1L << 33) + 1}) {
                    for (int target : new int[] {0, 3, 4}) {
                        for (int h = 0; h < H; h++) {
                            for (int y = 0; y < 5; y++) {
                                float want = expected(law, b, h, H, 5, y, target, seed);
                                assertEquals(want, logit(law, b, h, H, 5, y, target, seed), Math.ulp(want),
                                        "law " + law + " seed " + seed + " b " + b + " y* " + target + " h " + h + " y " + y);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void theMarginLiftsTheObservedTokenOrItsShift() {
        for (int h = 0; h < 4; h++) {
            assertEquals(-1, SweepGap.peak(SweepGap.GAUSSIAN, h, 5, 3));
            assertEquals(-1, SweepGap.peak(SweepGap.IDENTICAL, h, 5, 3));
            assertEquals(-1, SweepGap.peak(SweepGap.CORRELATED, h, 5, 3));
            assertEquals(3, SweepGap.peak(SweepGap.AGREE, h, 5, 3));
            assertEquals((3 + h) % 5, SweepGap.peak(SweepGap.DISAGREE, h, 5, 3));
        }
        // y* + h above 2^31 - 1: computed in long
        int v = Integer.MAX_VALUE;
        assertEquals(4L, SweepGap.peak(SweepGap.DISAGREE, 6, v, v - 2));
    }

    /**
     * First pass, merge and second pass over all work-items of two tokens (first token 5), against
     * direct sums over the logits in FP64: log Z_h = m + log sum exp(l - m), ||pi_h||^2 = sum exp(2 (l -
     * log Z_h)), log Z of the head sum and of the head mean, l at y*, and sum_y (sum_h pi_h(y))^2.
     * Tolerance: both sides sum V &lt;= 37 terms in FP64 in different orders, with one exp and one log
     * each; relative error per sum about (V + 4) 2^-53, for a log Z absolute error that plus |log Z|
     * 2^-53; 64 V 2^-53 (times 1 + |value| for the logs) covers it with room. A wrong fold or merge
     * (a dropped rescale, a missed element, a wrong slot) moves a value by 1e-3 or more.
     */
    @Test
    void passesAgreeWithDirectSums() {
        double eps = 64 * V * 0x1p-53;
        int tokens = 2;
        long first = 5;
        long seed = 0x9E3779B97F4A7C15L;
        int[] targets = {V - 1, 0};
        for (int law = SweepGap.GAUSSIAN; law <= SweepGap.DISAGREE; law++) {
            for (int layout : new int[] {Chunks.CONTIGUOUS, Chunks.STRIDED}) {
                for (int chunks : new int[] {1, 4, 50}) {
                    String w = "law " + law + " layout " + layout + " chunks " + chunks;
                    int items = tokens * chunks;
                    double[] headM = new double[items * H];
                    double[] headD = new double[items * H];
                    double[] headD2 = new double[items * H];
                    double[] aggM = new double[items];
                    double[] aggD = new double[items];
                    double[] meanM = new double[items];
                    double[] meanD = new double[items];
                    double[] targetLogits = new double[tokens * H];
                    int[] scratch = new int[items * 4];
                    double cs = Math.sqrt(RHO);
                    double ce = Math.sqrt(1 - RHO);
                    for (int item = items - 1; item >= 0; item--) { // order does not matter
                        SweepGap.sweepGapPartial(item, law, H, V, chunks, layout, first, seed, SIGMA, MARGIN, cs, ce, T,
                                targets, scratch, headM, headD, headD2, aggM, aggD, meanM, meanD, targetLogits);
                    }
                    double[] logZHeads = new double[tokens * H];
                    double[] logZ = new double[tokens];
                    double[] logZMean = new double[tokens];
                    double[] norm2 = new double[tokens * H];
                    for (int t = 0; t < tokens; t++) {
                        SweepGap.sweepGapMerge(t, H, chunks, headM, headD, headD2, aggM, aggD, meanM, meanD, logZHeads,
                                logZ, logZMean, norm2);
                    }
                    double[] mixSq = new double[items];
                    for (int item = 0; item < items; item++) {
                        SweepGap.sweepGapBrier(item, law, H, V, chunks, layout, first, seed, SIGMA, MARGIN, cs, ce, T,
                                targets, scratch, logZHeads, mixSq);
                    }
                    for (int t = 0; t < tokens; t++) {
                        double[][] l = new double[H][V];
                        double[] sum = new double[V];
                        double[] mean = new double[V];
                        for (int y = 0; y < V; y++) {
                            for (int h = 0; h < H; h++) {
                                l[h][y] = expected(law, first + t, h, H, V, y, targets[t], seed);
                                sum[y] += l[h][y];
                            }
                            mean[y] = sum[y] / H;
                        }
                        double[] pis = new double[V];
                        for (int h = 0; h < H; h++) {
                            double lz = MergeLseTest.direct(l[h]);
                            assertEquals(lz, logZHeads[t * H + h], eps * (1 + Math.abs(lz)), w + " log Z_h");
                            double n2 = 0;
                            for (int y = 0; y < V; y++) {
                                double pi = Math.exp(l[h][y] - lz);
                                n2 += pi * pi;
                                pis[y] += pi;
                            }
                            assertEquals(n2, norm2[t * H + h], eps * n2, w + " ||pi_h||^2");
                            assertEquals(l[h][targets[t]], targetLogits[t * H + h], 0.0, w + " l at y*");
                        }
                        double lzSum = MergeLseTest.direct(sum);
                        assertEquals(lzSum, logZ[t], eps * (1 + Math.abs(lzSum)), w + " log Z of the head sum");
                        double lzMean = MergeLseTest.direct(mean);
                        assertEquals(lzMean, logZMean[t], eps * (1 + Math.abs(lzMean)), w + " log Z of the head mean");
                        double mix = 0;
                        for (int y = 0; y < V; y++) {
                            mix += pis[y] * pis[y];
                        }
                        double got = 0;
                        for (int c = 0; c < chunks; c++) {
                            got += mixSq[t * chunks + c];
                        }
                        assertEquals(mix, got, eps * mix, w + " sum_y (sum_h pi_h)^2");
                    }
                }
            }
        }
    }

    /**
     * Logits of magnitude up to ~8600 (sigma 10, T 0.01): every max shift must be the true maximum, or an
     * exp overflows (or underflows) and log Z_h or ||pi_h||^2 comes out infinite or NaN. Several chunks, so
     * the merge rescales chunk states; fresh state arrays filled with NaN, so the first pass must set them.
     * Tolerance as in {@link #passesAgreeWithDirectSums}.
     */
    @Test
    void hugeLogitsKeepEveryShiftFinite() {
        double eps = 64 * V * 0x1p-53;
        double sigma = 10;
        double temperature = 0.01;
        int chunks = 4;
        long seed = 77;
        int[] targets = {5};
        double[] headM = new double[chunks * H];
        double[] headD = new double[chunks * H];
        double[] headD2 = new double[chunks * H];
        double[] aggM = new double[chunks];
        double[] aggD = new double[chunks];
        double[] meanM = new double[chunks];
        double[] meanD = new double[chunks];
        for (double[] a : new double[][] {headM, headD, headD2, aggM, aggD, meanM, meanD}) {
            java.util.Arrays.fill(a, Double.NaN);
        }
        double[] targetLogits = new double[H];
        int[] scratch = new int[chunks * 4];
        for (int item = 0; item < chunks; item++) {
            SweepGap.sweepGapPartial(item, SweepGap.GAUSSIAN, H, V, chunks, Chunks.CONTIGUOUS, 0, seed, sigma, 0, 0, 1,
                    temperature, targets, scratch, headM, headD, headD2, aggM, aggD, meanM, meanD, targetLogits);
        }
        double[] logZHeads = new double[H];
        double[] norm2 = new double[H];
        SweepGap.sweepGapMerge(0, H, chunks, headM, headD, headD2, aggM, aggD, meanM, meanD, logZHeads, new double[1],
                new double[1], norm2);
        for (int h = 0; h < H; h++) {
            double[] l = new double[V];
            double max = 0;
            for (int y = 0; y < V; y++) {
                l[y] = SweepGap.logit(SweepGap.GAUSSIAN, 0, h, H, V, y, 5, seed, sigma, 0, 0, 1, temperature, new int[4], 0);
                max = Math.max(max, Math.abs(l[y]));
            }
            org.junit.jupiter.api.Assertions.assertTrue(max > 800, "logits beyond exp's range: " + max);
            double lz = MergeLseTest.direct(l);
            assertEquals(lz, logZHeads[h], eps * (1 + Math.abs(lz)), "log Z_h " + h);
            double n2 = 0;
            for (int y = 0; y < V; y++) {
                double pi = Math.exp(l[y] - lz);
                n2 += pi * pi;
            }
            assertEquals(n2, norm2[h], eps * n2, "||pi_h||^2 " + h);
        }
    }

    /**
     * The merge of token 1 (of 2) over 3 chunks for 2 heads whose maxima lie 2000 apart (head 0 near +1000,
     * head 1 near -1000): each head's norm2 = sum_c D2_c r_c^2 / (sum_c D_c r_c)^2 with r_c = exp(M_c - max)
     * must take the maximum over its own chunks' slots, else exp(M - max) overflows or underflows to 0.
     * Closed forms: chunk maxima M, M - 1, M - 2 with D = 2, D2 = 1.5: log Z = M + log(2 (1 + e^-1 + e^-2)),
     * norm2 = 1.5 (1 + e^-2 + e^-4) / (2 (1 + e^-1 + e^-2))^2.
     */
    @Test
    void theMergeTakesEachHeadsOwnMaximum() {
        int heads = 2;
        int chunks = 3;
        int items = 2 * chunks;
        double[] hm = new double[items * heads];
        double[] hd = new double[items * heads];
        double[] hd2 = new double[items * heads];
        double[] top = {1000, -1000};
        for (int item = 0; item < items; item++) {
            for (int h = 0; h < heads; h++) {
                hm[item * heads + h] = top[h] - (item % chunks);
                hd[item * heads + h] = 2;
                hd2[item * heads + h] = 1.5;
            }
        }
        hm[0] = 5000; // token 0's chunk 0, head 0: a slot token 1 must not read
        double[] am = {0, 0, 0, 0, 0, 0};
        double[] ad = {1, 1, 1, 1, 1, 1};
        double[] zh = new double[2 * heads];
        double[] z = new double[2];
        double[] zm = new double[2];
        double[] norm2 = new double[2 * heads];
        SweepGap.sweepGapMerge(1, heads, chunks, hm, hd, hd2, am, ad, am, ad, zh, z, zm, norm2);
        double sum = 1 + Math.exp(-1) + Math.exp(-2);
        double wantNorm2 = 1.5 * (1 + Math.exp(-2) + Math.exp(-4)) / (4 * sum * sum);
        for (int h = 0; h < heads; h++) {
            assertEquals(top[h] + Math.log(2 * sum), zh[heads + h], 1e-12, "log Z of head " + h);
            assertEquals(wantNorm2, norm2[heads + h], 1e-15, "norm2 of head " + h);
        }
        assertEquals(Math.log(3), z[1], 1e-15, "log Z of the aggregate");
    }
}
