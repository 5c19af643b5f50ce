package org.gapscope.crowding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** Crowding points and the margin solver on the FP64 reference backend (small N: it is O(N R)). */
class CrowdingSimulationTest {
    final Backend ref = new ReferenceBackend();

    /** Distractors uniform on [c, c + w] with w tiny: as good as the constant c. */
    static final double C = 0.25;
    static final double W = 1e-7;
    static final Law NEARLY_CONSTANT = Law.uniform(C, C + W);

    @Test
    void nearlyConstantDistractorsGiveTheExactP() {
        long n = 5000;
        double s = 7;
        CrowdingSimulation.Point p = CrowdingSimulation.point(ref, n, s, NEARLY_CONSTANT, 50, 3, Mitigation.NONE, 16, null);
        double exact = 1 / (1 + (n - 1) * Math.exp(C - s));
        // every distractor lies in [c, c + w]; dP/dc = -P(1-P) has modulus <= 1/4, so every P_N, their
        // mean and quantiles, and the mean field (ln M in [c, c + w]) are within w/4 of the constant-c value
        assertEquals(exact, p.meanP(), W / 4);
        assertEquals(exact, p.stats().q05(), W / 4);
        assertEquals(exact, p.stats().q95(), W / 4);
        assertEquals(exact, p.meanField(), W / 4);
        assertEquals(0.0, p.difference(), W / 2);
    }

    @Test
    void simulatedMeanAgreesWithTheMeanFieldWhenNIsLarge() {
        // N >> E[e^{2X}]/M^2 for each law; the mean-field bias is second order, P(1-P)^2 Var(S)/E[S]^2
        // (about 1e-5 relative here), far inside 4 standard errors, so a failure means a real disagreement
        Law[] laws = {Law.gaussian(0, 0.5), Law.gumbel(0, 0.3), Law.exponential(0, 3), Law.uniform(-1, 1)};
        long n = 20_000;
        for (Law law : laws) {
            double s = MeanField.sFormula(n, 0.4, law); // aim at P ~ 0.4, where P(1-P) is large
            CrowdingSimulation.Point p = CrowdingSimulation.point(ref, n, s, law, 200, 11, Mitigation.NONE, 64, null);
            assertFalse(p.smallN(), law.toString());
            assertTrue(Math.abs(p.difference()) <= 4 * p.stats().stdErr(),
                    law + ": mean " + p.meanP() + " vs mean field " + p.meanField() + ", SE " + p.stats().stdErr());
        }
    }

    @Test
    void sameSeedSameBitsWhateverTheBatching() {
        Law law = Law.studentT(0, 1, 4);
        double[] a = CrowdingSimulation.simulate(ref, 300, 4, law, 37, 42, Mitigation.NONE, 1, null);
        double[] b = CrowdingSimulation.simulate(ref, 300, 4, law, 37, 42, Mitigation.NONE, 10, null);
        double[] c = CrowdingSimulation.simulate(ref, 300, 4, law, 37, 42, Mitigation.NONE, 1000, null);
        assertArrayEquals(a, b, 0.0);
        assertArrayEquals(a, c, 0.0);
        double[] other = CrowdingSimulation.simulate(ref, 300, 4, law, 37, 43, Mitigation.NONE, 10, null);
        assertFalse(java.util.Arrays.equals(a, other));
        assertEquals(Stats.of(a), Stats.of(c));
    }

    @Test
    void solverRecoversTheExactMarginOfSyntheticSums() {
        double[] d = {2.0, 2.0, 2.0};
        // all D_r = 2: logistic(s - 2) = p  <=>  s = 2 + logit p, bisected to adjacent doubles
        for (double p : new double[] {0.1, 0.5, 0.9}) {
            assertEquals(2 + Math.log(p / (1 - p)), MarginSolver.solve(d, 1.0, p), 1e-14);
            // with c: logistic(c s - 2) = p  <=>  s = (2 + logit p) / c
            assertEquals((2 + Math.log(p / (1 - p))) / 3, MarginSolver.solve(d, 3.0, p), 1e-14);
        }
        // no distractors (N = 1): no s gives p < 1
        assertTrue(Double.isNaN(MarginSolver.solve(new double[] {Double.NEGATIVE_INFINITY}, 1.0, 0.5)));
    }

    @Test
    void solverRecoversTheClosedFormMarginForConstantDistractors() {
        // constant distractors c: P = 1/(1 + (N-1) e^{(c - s)/T}), so s* = c + T (ln(N-1) + logit p) exactly;
        // with [c, c + w] the solution moves by at most w (every D_r moves by at most w).
        long n = 2000;
        double p = 0.7;
        double base = Math.log(n - 1) + Math.log(p / (1 - p));
        MarginSolver.Solution plain = MarginSolver.solve(ref, n, p, NEARLY_CONSTANT, 20, 5, Mitigation.NONE);
        assertEquals(C + base, plain.sStar(), W);
        MarginSolver.Solution temp = MarginSolver.solve(ref, n, p, NEARLY_CONSTANT, 20, 5,
                new Mitigation(Mitigation.Kind.TEMPERATURE, 2.0));
        assertEquals(C + 2.0 * base, temp.sStar(), 2 * W);
        // scalable softmax multiplies by c = 0.5 ln N: s* = c_dist + base / c
        double sc = 0.5 * Math.log(n);
        MarginSolver.Solution scal = MarginSolver.solve(ref, n, p, NEARLY_CONSTANT, 20, 5,
                new Mitigation(Mitigation.Kind.SCALABLE, 0.5));
        assertEquals(C + base / sc, scal.sStar(), 2 * W);
        // Corollary 1 for the same law: ln M lies in [c, c + w]
        assertEquals(C + base, MeanField.sFormula(n, p, NEARLY_CONSTANT), W);
    }

    @Test
    void theShortcutAgreesWithResimulatingAtTheSolution() {
        long n = 3000;
        Law law = Law.gaussian(0, 1.5);
        MarginSolver.Solution sol = MarginSolver.solve(ref, n, 0.5, law, 64, 9, Mitigation.NONE);
        // re-simulating at s* with the same seed draws the same distractors: the mean is p up to the
        // round-off of 64 logistic evaluations and the bisection's last ulp (dP/ds <= 1/4)
        double[] pr = CrowdingSimulation.simulate(ref, n, sol.sStar(), law, 64, 9, Mitigation.NONE, 64, null);
        assertEquals(0.5, Stats.of(pr).mean(), 1e-12);
        assertTrue(sol.stdErr() > 0 && sol.stdErr() < 0.1, "SE " + sol.stdErr());
    }

    @Test
    void topKSolverBracketsTheTargetAndMatchesPlainWhenKCoversAll() {
        long n = 400;
        Law law = Law.gaussian(0, 1);
        double tol = MarginSolver.TOP_K_TOLERANCE;
        MarginSolver.Solution plain = MarginSolver.solve(ref, n, 0.5, law, 16, 2, Mitigation.NONE);
        // k >= N: nothing is cut, the same function of s, so the same root up to the top-k tolerance
        MarginSolver.Solution all = MarginSolver.solve(ref, n, 0.5, law, 16, 2, new Mitigation(Mitigation.Kind.TOP_K, n));
        assertEquals(plain.sStar(), all.sStar(), tol);
        Mitigation top4 = new Mitigation(Mitigation.Kind.TOP_K, 4);
        MarginSolver.Solution k4 = MarginSolver.solve(ref, n, 0.5, law, 16, 2, top4);
        double below = Stats.of(ref.crowding(new CrowdingSpec(n, k4.sStar() - tol, law, 16, 0, 2, top4)).p()).mean();
        double above = Stats.of(ref.crowding(new CrowdingSpec(n, k4.sStar() + tol, law, 16, 0, 2, top4)).p()).mean();
        assertTrue(below <= 0.5 && above >= 0.5, below + " " + above);
        // keeping only 4 scores needs a smaller margin than keeping all 400
        assertTrue(k4.sStar() < plain.sStar());
    }
}
