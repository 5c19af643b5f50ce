package org.gapscope.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.Attribution;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.GapResult;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;
import org.gapscope.host.Fp64Rows;
import org.gapscope.host.Mixture;
import org.gapscope.kernels.Laws;
import org.junit.jupiter.api.Test;

/**
 * Identities and closed forms the FP64 reference must satisfy. Tolerances: the quantities are O(10)
 * and computed in double precision with V &le; 1000 terms per sum, so rounding errors are a few
 * hundred ulps at most (about 1e-13); 1e-10 leaves a wide margin yet would catch any real error
 * (a wrong term moves results by 1e-3 or more).
 */
class ReferenceBackendTest {
    static final double EPS = 1e-10;
    final ReferenceBackend ref = new ReferenceBackend();

    static double[] gaussian(int n, long seed, double sigma) {
        int[] scratch = new int[4];
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Laws.draw(i, 0, seed, Laws.GAUSSIAN, 0, sigma, 0, scratch, 0);
        }
        return x;
    }

    // ---- section 1 -------------------------------------------------------------------------

    @Test
    void lseConventions() {
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(1e300 + Math.log(2), Fp64Rows.lse(new double[] {1e300, 1e300}), 0.0);
        assertEquals(-1e300 + Math.log(2), Fp64Rows.lse(new double[] {-1e300, -1e300}), 1e285);
        assertEquals(Math.log(3), Fp64Rows.lse(new double[] {1e-300, -1e-300, 0}), EPS);
        assertEquals(0.0, Fp64Rows.lse(new double[] {0, -inf, -inf}), 0.0);
        assertEquals(-inf, Fp64Rows.lse(new double[] {-inf, -inf}), 0.0);
        assertEquals(inf, Fp64Rows.lse(new double[] {1, inf, -inf}), 0.0);
        assertTrue(Double.isNaN(Fp64Rows.lse(new double[] {1, inf, Double.NaN})));
        // 1000 equal entries: log 1000 exactly up to rounding
        assertEquals(5 + Math.log(1000), Fp64Rows.lse(filled(1000, 5)), EPS);
    }

    static double[] filled(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    @Test
    void softmaxSumsToOneAndLogSoftmaxMatches() {
        double[] x = gaussian(3 * 257, 1, 3);
        Tensor t = Tensor.of(x, 3, 257);
        Tensor p = ref.softmax(t, 0.7);
        Tensor lp = ref.logSoftmax(t, 0.7);
        double[] lse = ref.logSumExp(t, 0.7);
        for (int r = 0; r < 3; r++) {
            double s = 0;
            for (int i = 0; i < 257; i++) {
                s += p.get(r * 257 + i);
                assertEquals(x[r * 257 + i] / 0.7 - lse[r], lp.get(r * 257 + i), EPS);
                assertEquals(Math.exp(lp.get(r * 257 + i)), p.get(r * 257 + i), EPS);
            }
            assertEquals(1.0, s, EPS);
        }
    }

    @Test
    void softmaxOfAllMinusInfinityIsNaN() {
        double inf = Double.NEGATIVE_INFINITY;
        Tensor p = ref.softmax(Tensor.of(new double[] {inf, inf, 0, 1}, 2, 2), 1);
        assertTrue(Double.isNaN(p.get(0)) && Double.isNaN(p.get(1)));
        assertEquals(1 / (1 + Math.E), p.get(2), EPS);
    }

    @Test
    void badTemperatureAndEmptyRowsAreRefused() {
        Tensor t = Tensor.of(new double[] {1, 2}, 1, 2);
        assertThrows(InputException.class, () -> ref.logSumExp(t, 0));
        assertThrows(InputException.class, () -> ref.logSumExp(t, Double.NaN));
        assertThrows(InputException.class, () -> ref.logSumExp(Tensor.of(new double[0], 3, 0), 1));
    }

    // ---- section 2 -------------------------------------------------------------------------

    @Test
    void attentionWithOneKeyReturnsItsValue() {
        Tensor q = Tensor.of(new double[] {0.3, -2}, 1, 1, 2);
        Tensor k = Tensor.of(new double[] {1.5, 4}, 1, 1, 2);
        Tensor v = Tensor.of(new double[] {7, -1, 2}, 1, 1, 3);
        AttentionResult r = ref.attention(q, k, v, 0.5, MaskAlignment.TOP_LEFT);
        assertArrayEquals(new double[] {7, -1, 2}, r.out().toDoubles(), 0.0);
        assertEquals(0.5 * (0.3 * 1.5 - 2 * 4), r.lse().get(0), EPS);
    }

    @Test
    void attentionMaskAlignments() {
        // 2 queries, 3 keys, all scores 0: top-left lets query i see i+1 keys, bottom-right i+2.
        Tensor q = Tensor.of(new double[2], 2, 1);
        Tensor k = Tensor.of(new double[3], 3, 1);
        Tensor v = Tensor.of(new double[] {1, 2, 4}, 3, 1);
        AttentionResult tl = ref.attention(q, k, v, 1, MaskAlignment.TOP_LEFT);
        AttentionResult br = ref.attention(q, k, v, 1, MaskAlignment.BOTTOM_RIGHT);
        AttentionResult none = ref.attention(q, k, v, 1, MaskAlignment.NONE);
        assertArrayEquals(new double[] {1, 1.5}, tl.out().toDoubles(), EPS);
        assertArrayEquals(new double[] {1.5, 7.0 / 3}, br.out().toDoubles(), EPS);
        assertArrayEquals(new double[] {7.0 / 3, 7.0 / 3}, none.out().toDoubles(), EPS);
        assertArrayEquals(new double[] {0, Math.log(2)}, tl.lse().toDoubles(), EPS);
        // more queries than keys under bottom-right: the first query sees nothing -> lse -inf, output 0
        AttentionResult empty = ref.attention(Tensor.of(new double[3], 3, 1), Tensor.of(new double[2], 2, 1),
                Tensor.of(new double[] {1, 2}, 2, 1), 1, MaskAlignment.BOTTOM_RIGHT);
        assertEquals(Double.NEGATIVE_INFINITY, empty.lse().get(0), 0.0);
        assertEquals(0.0, empty.out().get(0), 0.0);
    }

    @Test
    void attentionMatchesADirectSoftmax() {
        int t = 5;
        int d = 3;
        double[] q = gaussian(2 * t * d, 2, 1);
        double[] k = gaussian(2 * t * d, 3, 1);
        double[] v = gaussian(2 * t * d, 4, 1);
        AttentionResult r = ref.attention(Tensor.of(q, 2, t, d), Tensor.of(k, 2, t, d), Tensor.of(v, 2, t, d),
                1 / Math.sqrt(d), MaskAlignment.TOP_LEFT);
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    for (int c = 0; c < d; c++) {
                        s[j] += q[(h * t + i) * d + c] * k[(h * t + j) * d + c] / Math.sqrt(d);
                    }
                }
                double z = 0;
                for (double x : s) {
                    z += Math.exp(x);
                }
                assertEquals(Math.log(z), r.lse().get(h * t + i), EPS);
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j <= i; j++) {
                        o += Math.exp(s[j]) / z * v[(h * t + j) * d + c];
                    }
                    assertEquals(o, r.out().get((h * t + i) * d + c), EPS);
                }
            }
        }
    }

    // ---- section 3 -------------------------------------------------------------------------

    @Test
    void gapIsZeroForOneHead() {
        GapResult r = ref.jensenGap(Tensor.of(gaussian(3 * 500, 5, 2), 3, 1, 500), null, null);
        for (int t = 0; t < 3; t++) {
            assertEquals(0.0, r.gamma()[t], EPS);
            assertEquals(0.0, r.gammaJ()[t], EPS);
        }
    }

    @Test
    void gapIsInvariantToPerHeadShifts() {
        int h = 4;
        int v = 300;
        double[] x = gaussian(h * v, 6, 1.5);
        GapResult before = ref.jensenGap(Tensor.of(x, h, v), null, null);
        double[] shifted = x.clone();
        for (int y = 0; y < v; y++) {
            shifted[2 * v + y] += 17.25;
            shifted[y] -= 3.5;
        }
        GapResult after = ref.jensenGap(Tensor.of(shifted, h, v), null, null);
        assertEquals(before.gamma()[0], after.gamma()[0], EPS);
        assertEquals(before.gammaJ()[0], after.gammaJ()[0], EPS);
        assertEquals(before.logZHead(0, 2) + 17.25, after.logZHead(0, 2), EPS);
    }

    @Test
    void gapIsMinusLogOfTheSummedProductOfHeadProbabilities() {
        int h = 3;
        int v = 200;
        double[] x = gaussian(h * v, 7, 2);
        GapResult r = ref.jensenGap(Tensor.of(x, h, v), null, null);
        double[] p = ref.softmax(Tensor.of(x, h, v), 1).toDoubles();
        double s = 0;
        for (int y = 0; y < v; y++) {
            s += p[y] * p[v + y] * p[2 * v + y];
        }
        assertEquals(-Math.log(s), r.gamma()[0], EPS);
        assertTrue(r.gamma()[0] > 0);
        // Gamma_J by its definition
        double[] mean = new double[v];
        double sumLogZ = 0;
        for (int hh = 0; hh < h; hh++) {
            sumLogZ += r.logZHead(0, hh);
            for (int y = 0; y < v; y++) {
                mean[y] += x[hh * v + y] / h;
            }
        }
        assertEquals(sumLogZ / h - Fp64Rows.lse(mean), r.gammaJ()[0], EPS);
        assertTrue(r.gammaJ()[0] >= -EPS, "Jensen: the averaged-logit gap is non-negative");
    }

    @Test
    void ledgerIdentityHoldsForEveryTarget() {
        int b = 2;
        int h = 3;
        int v = 50;
        double[] x = gaussian(b * h * v, 8, 1);
        double[] extra = gaussian(v, 9, 0.5);
        for (int y = 0; y < v; y++) {
            GapResult plain = ref.jensenGap(Tensor.of(x, b, h, v), null, new int[] {y, v - 1 - y});
            GapResult withExtra = ref.jensenGap(Tensor.of(x, b, h, v), Tensor.of(extra, v), new int[] {y, y});
            for (int t = 0; t < b; t++) {
                assertEquals(plain.gamma()[t], plain.ledger()[t], EPS);
                assertEquals(withExtra.gamma()[t] + extra[y], withExtra.ledger()[t], EPS);
            }
            assertTrue(withExtra.extraIncluded() && !plain.extraIncluded(), "extraIncluded says whether extra was given");
        }
        // per-token extra logits [B, V]: token t's ledger adds its own row's extra_{y*}
        double[] perToken = gaussian(b * v, 10, 0.5);
        for (int y = 0; y < v; y += 7) {
            GapResult r = ref.jensenGap(Tensor.of(x, b, h, v), Tensor.of(perToken, b, v), new int[] {y, v - 1 - y});
            assertEquals(r.gamma()[0] + perToken[y], r.ledger()[0], EPS);
            assertEquals(r.gamma()[1] + perToken[v + v - 1 - y], r.ledger()[1], EPS);
        }
    }

    @Test
    void nonFiniteLogitsFollowTheConventionsAndAreCounted() {
        double[] x = {0, 1, 2, Double.NaN, 0, 0, Double.POSITIVE_INFINITY, 0};
        GapResult r = ref.jensenGap(Tensor.of(x, 2, 2, 2), null, null);
        assertTrue(Double.isNaN(r.gamma()[0]));
        assertEquals(1, r.nonFinite()[0]);
        assertEquals(Double.POSITIVE_INFINITY, r.logZHead(1, 1), 0.0);
        assertEquals(1, r.nonFinite()[1]);
    }

    @Test
    void badGapShapesAreRefused() {
        assertThrows(InputException.class, () -> ref.jensenGap(Tensor.of(new double[0], 0, 5), null, null));
        assertThrows(InputException.class, () -> ref.jensenGap(Tensor.of(new double[0], 2, 0), null, null));
        assertThrows(InputException.class, () -> ref.jensenGap(Tensor.of(new double[4], 4), null, null));
        assertThrows(InputException.class,
                () -> ref.jensenGap(Tensor.of(new double[4], 2, 2), Tensor.of(new double[3], 3), null));
        assertThrows(InputException.class, () -> ref.jensenGap(Tensor.of(new double[4], 2, 2), null, new int[] {2}));
    }

    // ---- section 4 -------------------------------------------------------------------------

    @Test
    void mixtureGapsSplitAndDivergences() {
        int h = 3;
        int v = 40;
        double[] x = gaussian(h * v, 10, 1.2);
        double[] beta = {0.2, 0.5, 0.3};
        double[] p = ref.softmax(Tensor.of(x, h, v), 1).toDoubles();
        double[] mix = new double[v];
        for (int hh = 0; hh < h; hh++) {
            for (int y = 0; y < v; y++) {
                mix[y] += beta[hh] * p[hh * v + y];
            }
        }
        for (MixtureGaps.Score s : MixtureGaps.Score.values()) {
            MixtureGaps g = ref.mixtureGaps(Tensor.of(x, h, v), beta, 7, s, Double.NaN);
            assertEquals(g.mixtureLoss() + g.gap(), g.sumContributions(), EPS, s + ": eq. 53 split");
            for (double c : g.contributions()) {
                assertTrue(c >= 0, s + ": contributions are non-negative when c >= max S");
            }
            for (int hh = 0; hh < h; hh++) {
                double closed = 0;
                for (int y = 0; y < v; y++) {
                    double a = mix[y];
                    double b = p[hh * v + y];
                    closed += switch (s) {
                        case LOG -> a * Math.log(a / b);
                        case BRIER -> (a - b) * (a - b);
                        case SPHERICAL -> 0;
                    };
                }
                if (s != MixtureGaps.Score.SPHERICAL) {
                    assertEquals(closed, g.divergences()[hh], EPS, s + " divergence of head " + hh);
                }
                assertTrue(g.divergences()[hh] >= -EPS, s + ": a proper score's regret is non-negative");
            }
        }
        MixtureGaps log = ref.mixtureGaps(Tensor.of(x, h, v), beta, 7, MixtureGaps.Score.LOG, Double.NaN);
        double expected = Math.log(mix[7]);
        for (int hh = 0; hh < h; hh++) {
            expected -= beta[hh] * Math.log(p[hh * v + 7]);
        }
        assertEquals(expected, log.gap(), EPS);
        assertTrue(log.gap() >= 0, "log is concave: the mixture scores at least the average");
    }

    /**
     * A token y that no head can produce (logit -2000 in every head: pi_h(y) and Pi(y) underflow to 0)
     * adds nothing to the divergences, which stay finite and equal those of the vocabulary without it
     * (0 log 0 = 0; a term Pi(y) (S(Pi, y) - S(pi_h, y)) with Pi(y) = 0 would be 0 (-inf) = NaN).
     */
    @Test
    void aTokenNoHeadProducesAddsNothingToTheDivergences() {
        int h = 2;
        int v = 6;
        double[] x = gaussian(h * v, 12, 1.0);
        double[] cut = new double[h * (v + 1)];
        for (int hh = 0; hh < h; hh++) {
            System.arraycopy(x, hh * v, cut, hh * (v + 1), v);
            cut[hh * (v + 1) + v] = -2000;
        }
        double[] beta = {0.4, 0.6};
        for (MixtureGaps.Score s : MixtureGaps.Score.values()) {
            MixtureGaps a = ref.mixtureGaps(Tensor.of(x, h, v), beta, 2, s, Double.NaN);
            MixtureGaps b = ref.mixtureGaps(Tensor.of(cut, h, v + 1), beta, 2, s, Double.NaN);
            assertArrayEquals(a.divergences(), b.divergences(), EPS, s + " divergences");
            assertEquals(a.gap(), b.gap(), EPS, s + " gap");
        }
    }

    @Test
    void badMixtureWeightsAreRefused() {
        Tensor x = Tensor.of(new double[6], 2, 3);
        assertThrows(InputException.class, () -> ref.mixtureGaps(x, new double[] {0.5, 0.4}, 0, MixtureGaps.Score.LOG, Double.NaN));
        assertThrows(InputException.class, () -> ref.mixtureGaps(x, new double[] {1.5, -0.5}, 0, MixtureGaps.Score.LOG, Double.NaN));
        assertThrows(InputException.class, () -> ref.mixtureGaps(x, new double[] {0.5, 0.5}, 3, MixtureGaps.Score.LOG, Double.NaN));
    }

    // ---- section 5 -------------------------------------------------------------------------

    @Test
    void attributionRecoversAnExactMixture() {
        double[][] p = {{0.5, 0.3, 0.2}, {0.1, 0.1, 0.8}};
        double[] mix = {0.3 * 0.5 + 0.7 * 0.1, 0.3 * 0.3 + 0.7 * 0.1, 0.3 * 0.2 + 0.7 * 0.8};
        Attribution a = ref.attribution(p, mix);
        assertArrayEquals(new double[] {0.3, 0.7}, a.alpha(), 1e-12);
        assertEquals(0.0, a.residualNorm(), 1e-12);
        // a target off the span: residual is orthogonal to both columns
        Attribution b = ref.attribution(p, new double[] {0.2, 0.6, 0.2});
        for (double[] col : p) {
            assertEquals(0.0, Mixture.dot(col, b.residual()), 1e-12);
        }
        assertTrue(b.residualNorm() > 0.1);
    }

    // ---- section 7 -------------------------------------------------------------------------

    @Test
    void crowdingWithOneScoreIsCertain() {
        CrowdingResult r = ref.crowding(new CrowdingSpec(1, 0.3, Law.gaussian(0, 1), 3, 1));
        assertArrayEquals(new double[] {1, 1, 1}, r.p(), 0.0);
    }

    @Test
    void crowdingWithNearlyConstantDistractorsIsExact() {
        // distractors uniform on [c, c + w]: P_N lies between the values for all-c and all-(c + w)
        double c = 0.25;
        double w = 1e-9;
        long n = 1000;
        CrowdingResult r = ref.crowding(new CrowdingSpec(n, 2, Law.uniform(c, c + w), 2, 5));
        double exact = Math.exp(2) / (Math.exp(2) + (n - 1) * Math.exp(c));
        for (double p : r.p()) {
            assertEquals(exact, p, 2 * w); // dP/dc <= 1/4 * ... : a shift of w moves P by less than w
        }
    }

    @Test
    void crowdingIsReproducibleAndTopKWithLargeKChangesNothing() {
        CrowdingSpec spec = new CrowdingSpec(500, 3, Law.gaussian(0, 1), 4, 0, 99, Mitigation.NONE);
        CrowdingResult a = ref.crowding(spec);
        CrowdingResult b = ref.crowding(spec);
        assertArrayEquals(a.p(), b.p(), 0.0);
        CrowdingResult k = ref.crowding(new CrowdingSpec(500, 3, Law.gaussian(0, 1), 4, 0, 99,
                new Mitigation(Mitigation.Kind.TOP_K, 500)));
        assertArrayEquals(a.p(), k.p(), 1e-12);
        CrowdingResult top1 = ref.crowding(new CrowdingSpec(500, 30, Law.gaussian(0, 1), 4, 0, 99,
                new Mitigation(Mitigation.Kind.TOP_K, 1)));
        assertArrayEquals(new double[] {1, 1, 1, 1}, top1.p(), 0.0);
        CrowdingResult temp = ref.crowding(new CrowdingSpec(500, 3, Law.gaussian(0, 1), 4, 0, 99,
                new Mitigation(Mitigation.Kind.TEMPERATURE, 1)));
        assertArrayEquals(a.p(), temp.p(), 1e-12);
    }

    /**
     * Top-k when the signal is not among the k largest of all N scores: s = -40 against 499 standard
     * Gaussian distractors (all above -40 but with probability ~1e-348), k = 3 and k = 499: the signal
     * is cut, so P = 0 and the LSE of what enters the softmax without it is -inf by convention.
     */
    @Test
    void topKCutsASignalBelowTheKLargestScores() {
        for (int k : new int[] {3, 499}) {
            CrowdingResult r = ref.crowding(new CrowdingSpec(500, -40, Law.gaussian(0, 1), 3, 0, 7,
                    new Mitigation(Mitigation.Kind.TOP_K, k)));
            assertArrayEquals(new double[] {0, 0, 0}, r.p(), 0.0, "k = " + k);
            for (double l : r.logSumDistractors()) {
                assertEquals(Double.NEGATIVE_INFINITY, l, "k = " + k);
            }
        }
        // k = N: every score enters, the signal included, however small
        CrowdingResult all = ref.crowding(new CrowdingSpec(500, -40, Law.gaussian(0, 1), 3, 0, 7,
                new Mitigation(Mitigation.Kind.TOP_K, 500)));
        for (double p : all.p()) {
            assertTrue(p > 0 && p < 1e-15, "k = N: P = " + p);
        }
    }

    // ---- section 8 -------------------------------------------------------------------------

    @Test
    void positionalAtZeroIsOneAndMatchesTheClosedForm() {
        double[] w = {0.5, 1.0};
        double[] f = ref.positional(w, new double[] {0, 2});
        assertEquals(1.0, f[0], 0.0);
        assertEquals((Math.cos(1) + Math.cos(2)) / 2, f[1], EPS);
    }
}
