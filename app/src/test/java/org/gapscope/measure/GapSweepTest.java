package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.InputException;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;
import org.gapscope.measure.GapSweep.Point;
import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepLogits;
import org.gapscope.host.Fp64Rows;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

class GapSweepTest {
    static final ReferenceBackend REF = new ReferenceBackend();

    static double num(Map<String, Object> r, String k) {
        return ((Number) r.get(k)).doubleValue();
    }

    static float[] logits(Point p, int[] targets) {
        float[] out = new float[p.tokens() * p.heads() * p.vocab()];
        SweepLogits.generate(p.spec(), 0, p.tokens(), out, targets);
        return out;
    }

    @Test
    void generationIsTheDocumentedStreamAndDoesNotDependOnChunking() {
        int h = 3;
        int v = 50;
        float[] all = new float[4 * h * v];
        int[] t = new int[4];
        SweepLogits.generate(new org.gapscope.api.SweepSpec(SweepLaw.correlated, h, v, 4, 1.5, 0, 0.25, 2.0, 7), 0, 4, all, t);
        float[] part = new float[2 * h * v];
        int[] t2 = new int[2];
        SweepLogits.generate(new org.gapscope.api.SweepSpec(SweepLaw.correlated, h, v, 4, 1.5, 0, 0.25, 2.0, 7), 2, 2, part, t2);
        for (int i = 0; i < part.length; i++) {
            assertEquals(all[2 * h * v + i], part[i], 0.0f);
        }
        assertEquals(t[2], t2[0]);
        // the convention spelled out: token 1, head 2, y = 5
        int[] s = new int[4];
        double e = org.gapscope.kernels.Laws.draw((1L * h + 2) * v + 5, SweepLogits.REP_HEAD, 7, 0, 0, 1, 0, s, 0);
        double z = org.gapscope.kernels.Laws.draw(1L * v + 5, SweepLogits.REP_SHARED, 7, 0, 0, 1, 0, s, 0);
        assertEquals((float) (1.5 * (0.5 * z + Math.sqrt(0.75) * e) / 2.0), all[(1 * h + 2) * v + 5], 0.0f);
    }

    @Test
    void zeroSigmaGivesTheClosedForm() {
        // All logits 0: log Z_h = ln V, log Z = ln V, so Gamma = (H-1) ln V exactly up to the rounding of
        // ln V and a sum of H terms (~1e-15 relative); every head equals the mixture, so both Theorem 4 gaps
        // are 0 up to the rounding of 1/H sums (~1e-16 per term).
        Point p = new Point(SweepLaw.gaussian, 1000, 5, 3, 0.0, null, null, 1.0, 1);
        Map<String, Object> r = GapSweep.compute(p, REF);
        assertEquals(4 * Math.log(1000), num(r, "gamma"), 1e-12);
        assertEquals(1.0, num(r, "gammaRatio"), 1e-14);
        assertEquals(0.0, num(r, "gammaJ"), 1e-12);
        assertEquals(0.0, num(r, "logGap"), 1e-12);
        assertEquals(0.0, num(r, "brierGap"), 1e-15);
        assertEquals(0L, ((Number) r.get("nonFinite")).longValue());
    }

    @Test
    void identicalHeadsMatchTheirClosedForm() {
        // Identical heads l: Gamma = H LSE(l) - LSE(H l) and Gamma_J = 0; both scores' gaps are 0 (the mixture
        // of equal distributions is that distribution). Computed here in FP64 from the same float32 logits:
        // the two sums agree to ~1e-13 (V = 400 terms of size <= e^(H*4)).
        Point p = new Point(SweepLaw.identical, 400, 4, 2, 1.0, null, null, 1.0, 3);
        int[] targets = new int[2];
        float[] x = logits(p, targets);
        double expected = 0;
        for (int b = 0; b < 2; b++) {
            double[] row = new double[400];
            double[] scaled = new double[400];
            for (int y = 0; y < 400; y++) {
                row[y] = x[b * 4 * 400 + y];
                scaled[y] = 4 * row[y];
            }
            expected += (4 * Fp64Rows.lse(row) - Fp64Rows.lse(scaled)) / 2;
        }
        Map<String, Object> r = GapSweep.compute(p, REF);
        assertEquals(expected, num(r, "gamma"), 1e-12);
        assertEquals(0.0, num(r, "gammaJ"), 1e-12);
        assertEquals(0.0, num(r, "logGap"), 1e-12);
        assertEquals(0.0, num(r, "brierGap"), 1e-15);
    }

    @Test
    void pointValuesEqualTheReferenceOpsOnTheSameLogits() {
        // The sweep's row is the mean over tokens of the backend ops' outputs: recomputing them token by token
        // with the reference backend must give the same numbers to the rounding of a mean of 3 terms (~1e-15 rel).
        for (SweepLaw law : SweepLaw.values()) {
            Point p = new Point(law, 300, 6, 3, 1.3, law.usesMargin() ? 3.0 : null, law.usesRho() ? 0.6 : null, 0.7, 11);
            int[] targets = new int[3];
            float[] x = logits(p, targets);
            var g = REF.jensenGap(Tensor.of(x, 3, 6, 300), null, targets);
            double gamma = 0;
            double gammaJ = 0;
            double ledger = 0;
            double logGap = 0;
            double brier = 0;
            double[] beta = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};
            for (int b = 0; b < 3; b++) {
                gamma += g.gamma()[b] / 3;
                gammaJ += g.gammaJ()[b] / 3;
                ledger += g.ledger()[b] / 3;
                float[] tok = java.util.Arrays.copyOfRange(x, b * 1800, (b + 1) * 1800);
                logGap += REF.mixtureGaps(Tensor.of(tok, 6, 300), beta, targets[b], MixtureGaps.Score.LOG, Double.NaN).gap() / 3;
                brier += REF.mixtureGaps(Tensor.of(tok, 6, 300), beta, targets[b], MixtureGaps.Score.BRIER, Double.NaN).gap() / 3;
            }
            Map<String, Object> r = GapSweep.compute(p, REF);
            assertEquals(gamma, num(r, "gamma"), 1e-12 * Math.abs(gamma), law.name());
            assertEquals(gammaJ, num(r, "gammaJ"), 1e-12, law.name());
            assertEquals(ledger, num(r, "ledger"), 1e-12 * Math.abs(ledger), law.name());
            assertEquals(logGap, num(r, "logGap"), 1e-13, law.name());
            assertEquals(brier, num(r, "brierGap"), 1e-14, law.name());
            // eq. 73: the ledger imbalance equals Gamma; both are sums of ~H log Z terms of size ~ln V + margin
            assertTrue(num(r, "ledgerError") < 1e-11, law.name() + " " + r.get("ledgerError"));
            assertEquals(5 * Math.log(300), num(r, "bound"), 1e-13);
        }
    }

    @Test
    void agreeingHeadsHaveASmallerLogGapThanDisagreeingOnes() {
        // Heads that vote for the same token lose little by mixing; heads that split their votes lose more.
        Point agree = new Point(SweepLaw.agree, 500, 4, 4, 0.5, 6.0, null, 1.0, 5);
        Point disagree = new Point(SweepLaw.disagree, 500, 4, 4, 0.5, 6.0, null, 1.0, 5);
        double a = num(GapSweep.compute(agree, REF), "logGap");
        double d = num(GapSweep.compute(disagree, REF), "logGap");
        assertTrue(a >= 0 && d > a + 0.5, a + " vs " + d);
    }

    @Test
    void everyAvailableBackendAgreesWithTheReference() {
        // Other backends accumulate in FP64 or compensated FP32 blocks: the LSE of V = 4096 float32 logits agrees
        // to ~1e-9 relative, so Gamma (a difference of H+1 such sums, ~ (H-1) ln V ~ 60) to ~1e-7 absolute.
        Point p = new Point(SweepLaw.correlated, 4096, 8, 2, 1.0, null, 0.3, 1.0, 2);
        Map<String, Object> ref = GapSweep.compute(p, REF);
        for (Backend b : Backends.all()) {
            if (!b.available() || b.name().equals("reference")) {
                continue;
            }
            Map<String, Object> r = GapSweep.compute(p, b);
            for (String k : List.of("gamma", "gammaJ", "ledger", "bound")) {
                assertEquals(num(ref, k), num(r, k), 1e-6, b.name() + " " + k);
            }
            for (String k : List.of("logGap", "brierGap")) {
                assertEquals(num(ref, k), num(r, k), 1e-8, b.name() + " " + k);
            }
        }
    }

    /** Without the Brier gap (--scores log): brierGap null, every other result column the same bits. */
    @Test
    void theLogScoreAloneSkipsOnlyTheBrierGap() {
        Point p = new Point(SweepLaw.agree, 1031, 3, 2, 1.0, 2.0, null, 0.8, 4);
        for (Backend b : Backends.all()) {
            if (!b.available()) {
                continue;
            }
            Map<String, Object> both = GapSweep.compute(p, b);
            Map<String, Object> log = GapSweep.compute(p, b, false);
            assertTrue(both.get("brierGap") instanceof Double, b.name());
            assertNull(log.get("brierGap"), b.name());
            for (String k : List.of("gamma", "gammaMin", "gammaMax", "gammaJ", "bound", "ledger", "ledgerError",
                    "logGap")) {
                assertEquals(num(both, k), num(log, k), 0.0, b.name() + " " + k);
            }
        }
        assertTrue(GapSweep.brier(List.of("log", "brier")));
        assertTrue(GapSweep.brier(List.of("Brier", "log")));
        assertFalse(GapSweep.brier(List.of("log")));
        assertMessage("--scores", "log or log,brier", () -> GapSweep.brier(List.of("brier")));
        assertMessage("--scores", "spherical", () -> GapSweep.brier(List.of("log", "spherical")));
        assertMessage("--scores", "log or log,brier", () -> GapSweep.brier(List.of()));
    }

    @Test
    void badGridsAreRefusedWithOneLine() {
        List<Integer> one = List.of(1);
        List<Double> d1 = List.of(1.0);
        List<SweepLaw> g = List.of(SweepLaw.gaussian);
        List<Long> s = List.of(1L);
        assertMessage("--vocab", "empty vocabulary", () -> new GapSweep.Grid(List.of(0), one, one, g, d1, d1, List.of(0.5), d1, s));
        assertMessage("--vocab", ">= 1", () -> new GapSweep.Grid(List.of(-5), one, one, g, d1, d1, List.of(0.5), d1, s));
        assertMessage("--heads", ">= 1", () -> new GapSweep.Grid(one, List.of(0), one, g, d1, d1, List.of(0.5), d1, s));
        assertMessage("--tokens", ">= 1", () -> new GapSweep.Grid(one, one, List.of(0), g, d1, d1, List.of(0.5), d1, s));
        assertMessage("--rho", "[0, 1]", () -> new GapSweep.Grid(one, one, one, g, d1, d1, List.of(1.5), d1, s));
        assertMessage("--temperature", "> 0", () -> new GapSweep.Grid(one, one, one, g, d1, d1, List.of(0.5), List.of(0.0), s));
        assertMessage("--sigma", ">= 0", () -> new GapSweep.Grid(one, one, one, g, List.of(Double.NaN), d1, List.of(0.5), d1, s));
        assertMessage("--sigma", "overflow float32", () -> new GapSweep.Grid(one, one, one, g, List.of(1e300), d1, List.of(0.5), d1, s));
        assertMessage("--tokens x --heads x --vocab", "2^62", () -> new GapSweep.Grid(List.of(1 << 30), List.of(1 << 20),
                List.of(1 << 14), g, d1, d1, List.of(0.5), d1, s));
        // token ranges (SweepSpec.withTokens): a first token below 0, or a range whose last token's stream index passes 2^62
        org.gapscope.api.SweepSpec spec = new GapSweep.Point(SweepLaw.gaussian, 1 << 14, 1 << 20, 4, 1, null, null, 1, 1).spec();
        assertMessage("first token", ">= 0", () -> spec.withTokens(-1, 1));
        assertMessage("first token + --tokens", "2^62", () -> spec.withTokens(1L << 28, 1));
        assertEquals(3, spec.withTokens(2, 1).withTokens(1, 1).firstToken());
        // H x V far beyond 2^31 is a valid point: nothing is materialized
        assertEquals(1, new GapSweep.Grid(List.of(1 << 26), List.of(4096), one, g, d1, d1, List.of(0.5), d1, s).points().size());
    }

    /**
     * A point split into token ranges (as on a cluster) merges to the one-machine row, bit for bit, on the
     * reference and the cpu backend; ranges handed to the merge out of token order are refused.
     */
    @Test
    void tokenRangesMergeToTheOneMachineRow() {
        Point p = new Point(SweepLaw.correlated, 301, 3, 7, 1.1, null, 0.4, 0.9, 5);
        GapSweep.Grid grid = new GapSweep.Grid(List.of(p.vocab()), List.of(p.heads()), List.of(p.tokens()),
                List.of(p.law()), List.of(p.sigma()), List.of(0.0), List.of(p.rho()), List.of(p.temperature()),
                List.of(p.seed()));
        assertEquals(List.of(p), grid.points());
        for (Backend b : List.of(REF, Backends.select("cpu"))) {
            Map<String, Object> whole = withoutTiming(GapSweep.compute(p, b));
            for (int ranges : new int[] {2, 3, 7}) {
                List<java.io.Serializable> parts = new java.util.ArrayList<>();
                for (int i = 0; i < ranges; i++) {
                    parts.add(grid.range(p, i, ranges, b));
                }
                assertEquals(whole, withoutTiming(grid.merge(p, parts)), b.name() + " " + ranges + " ranges");
                java.util.Collections.reverse(parts);
                assertThrows(IllegalStateException.class, () -> grid.merge(p, parts));
                parts.remove(0);
                java.util.Collections.reverse(parts);
                assertThrows(IllegalStateException.class, () -> grid.merge(p, parts)); // the last range missing
            }
        }
        // splitting: from gapscope.splitWork logits on, at most one range per slot and per token
        assertEquals(1, grid.ranges(p, 4));
        System.setProperty("gapscope.splitWork", "1");
        try {
            assertEquals(4, grid.ranges(p, 4));
            assertEquals(7, grid.ranges(p, 16));
        } finally {
            System.clearProperty("gapscope.splitWork");
        }
    }

    static Map<String, Object> withoutTiming(Map<String, Object> row) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(row);
        m.remove("seconds");
        m.remove("logitsPerSec");
        return m;
    }

    static void assertMessage(String start, String contains, org.junit.jupiter.api.function.Executable ex) {
        InputException e = assertThrows(InputException.class, ex);
        assertTrue(e.getMessage().startsWith(start) && e.getMessage().contains(contains) && !e.getMessage().contains("\n"),
                e.getMessage());
    }

    @Test
    void gridExpandsMarginAndRhoOnlyForTheirLaws() {
        GapSweep.Grid grid = new GapSweep.Grid(List.of(10, 10, 20), List.of(2), List.of(1),
                List.of(SweepLaw.gaussian, SweepLaw.agree, SweepLaw.correlated), List.of(1.0), List.of(1.0, 2.0), List.of(0.1, 0.9, 0.5),
                List.of(1.0), List.of(1L, 2L));
        // gaussian 2 V x 2 seeds + agree 2 margins x 2 x 2 + correlated 3 rhos x 2 x 2
        assertEquals(4 + 8 + 12, grid.points().size());
        assertArrayEquals(new Object[] {null, null}, new Object[] {grid.points().get(0).margin(), grid.points().get(0).rho()});
        Point p = grid.points().get(5);
        assertEquals(p, GapSweep.point(p.key()));
    }
}
