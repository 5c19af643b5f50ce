package org.gapscope.crowding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.junit.jupiter.api.Test;

class StatsAndMeanFieldTest {

    @Test
    void statsOfASmallSampleMatchHandArithmetic() {
        Stats s = Stats.of(new double[] {4, 1, 3, 2, 5});
        assertEquals(3.0, s.mean(), 0.0);
        // sample variance (1+4+0+1+4... of 1..5 about 3) = 10/4
        assertEquals(Math.sqrt(2.5), s.sd(), 1e-15);
        assertEquals(Math.sqrt(2.5 / 5), s.stdErr(), 1e-15);
        assertEquals(3.0, s.median(), 0.0);
        // type 7: position 0.25 * 4 = 1 -> the second order statistic; 0.05 * 4 = 0.2 -> 1 + 0.2 (2 - 1)
        assertEquals(2.0, s.q25(), 0.0);
        assertEquals(1.2, s.q05(), 1e-15);
        assertEquals(4.8, s.q95(), 1e-15);
        assertEquals(1.0, s.min(), 0.0);
        assertEquals(5.0, s.max(), 0.0);
    }

    @Test
    void logisticIsStableAtTheExtremes() {
        assertEquals(1.0, MeanField.logistic(800), 0.0);
        assertEquals(Math.exp(-800), MeanField.logistic(-800), 0.0);
        assertEquals(0.0, MeanField.logistic(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(0.5, MeanField.logistic(0), 0.0);
    }

    @Test
    void meanFieldInvertsCorollaryOne() {
        Law g = Law.gaussian(0.3, 1.7);
        for (long n : new long[] {2, 1000, 1_000_000_000L, 1L << 50}) {
            for (double p : new double[] {0.01, 0.5, 0.99}) {
                double s = MeanField.sFormula(n, p, g);
                // logistic(s - ln(N-1) - ln M) = p exactly up to the rounding of s (|s| < 60, ulp 7e-15,
                // and dP/ds = p(1-p) <= 1/4)
                assertEquals(p, MeanField.meanField(n, s, g), 1e-14);
            }
        }
        assertEquals(1.0, MeanField.meanField(1, -3, g), 0.0);
        // heavy tails: M = inf, the mean field is 0 (not NaN)
        assertEquals(0.0, MeanField.meanField(10, 5, Law.studentT(0, 1, 3)), 0.0);
    }

    @Test
    void scaledLawsHaveTheScaledMoments() {
        double c = 2.5;
        // Gaussian: ln E[e^{cX}] = c mu + c^2 sigma^2 / 2 (closed form), so the scaled law's logM must match
        Law g = Law.gaussian(0.4, 0.8);
        assertEquals(c * 0.4 + c * c * 0.64 / 2, MeanField.scaled(g, c).logM(), 1e-14);
        // exponential with rate 3, scaled by 1/2: E[e^{X/2}] = 3 / (3 - 1/2)
        Law e = Law.exponential(0, 3);
        assertEquals(Math.log(3 / 2.5), MeanField.scaled(e, 0.5).logM(), 1e-14);
        // uniform [a, b] scaled is uniform [c a, c b]
        Law u = MeanField.scaled(Law.uniform(-1, 2), c);
        assertEquals(-2.5, u.a(), 0.0);
        assertEquals(5.0, u.b(), 0.0);
        // temperature T = 1/c and scalable with s_c ln N = c give the same mean field
        long n = 1000;
        double sc = c / Math.log(n);
        assertEquals(MeanField.meanField(n, 3, g, new Mitigation(Mitigation.Kind.TEMPERATURE, 1 / c)),
                MeanField.meanField(n, 3, g, new Mitigation(Mitigation.Kind.SCALABLE, sc)), 1e-14);
        assertTrue(Double.isNaN(MeanField.meanField(n, 3, g, new Mitigation(Mitigation.Kind.TOP_K, 4))));
    }

    @Test
    void regimeFlagsUseTheStatedThresholds() {
        // Gaussian: E[e^{2X}]/M^2 = e^{sigma^2}
        assertEquals(4.0, MeanField.logRelativeSecondMoment(Law.gaussian(1, 2)), 1e-13);
        // sigma = 2: 100 e^4 = 5459.8 -> N = 5459 is small, 5460 is not
        assertTrue(MeanField.smallN(5459, Law.gaussian(0, 2)));
        assertFalse(MeanField.smallN(5460, Law.gaussian(0, 2)));
        // E[e^{2X}] infinite: always small (exponential rate 1.5 < 2, student-t)
        assertTrue(MeanField.smallN(1_000_000_000L, Law.exponential(0, 1.5)));
        assertTrue(MeanField.smallN(1_000_000_000L, Law.studentT(0, 1, 30)));
        // sigma >= sqrt(2 ln N): sqrt(2 ln 1e6) = 5.2565
        assertTrue(MeanField.maxDominates(1_000_000, Law.gaussian(0, 5.26)));
        assertFalse(MeanField.maxDominates(1_000_000, Law.gaussian(0, 5.25)));
        assertFalse(MeanField.maxDominates(1_000_000, Law.gumbel(0, 0.5)));
    }
}
