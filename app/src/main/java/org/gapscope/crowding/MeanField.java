package org.gapscope.crowding;

import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;

/**
 * The mean-field side of P2 Lemma 4 and Corollary 1 (docs/MATH.md section 7), computed in log space.
 *
 * <ul>
 *   <li>{@link #meanField}: P_N ~ 1 / (1 + (N-1) M e^{-s}) with ln M = {@link Law#logM()}, evaluated as
 *       the logistic function of s - ln(N-1) - ln M so that nothing overflows for N = 10^9 or ln M = +inf.</li>
 *   <li>{@link #sFormula}: Corollary 1, s*(N, p) = ln(N-1) + ln M + ln(p / (1-p)).</li>
 *   <li>Multiplicative mitigations (scalable softmax, temperature) multiply every score by c, so the
 *       mean field applies to the scaled law c X and the scaled score c s ({@link #scaled}).</li>
 * </ul>
 *
 * <p>Where the approximation parts from the simulation ({@link #smallN}, {@link #maxDominates}): the
 * law of large numbers behind Lemma 4 replaces sum_k e^{X_k} by (N-1) M; its relative spread is
 * sqrt(V/(N-1)) with V = E[e^{2X}]/M^2 - 1. For a Gaussian E[e^{2X}]/M^2 = e^{sigma^2}, which is the
 * "N >> e^{sigma^2}" of docs/MATH.md section 7. We flag a point as {@code smallN} when N &lt; {@value #SMALL_N_FACTOR} E[e^{2X}]/M^2
 * (for a Gaussian: N &lt; 100 e^{sigma^2}, a relative spread above about 10 %), and always when E[e^{2X}] is
 * infinite. Separately, for a Gaussian with sigma &ge; sqrt(2 ln N) the largest of the N distractors (about
 * mu + sigma sqrt(2 ln N)) carries a finite share of the sum, so the sum does not concentrate at all
 * ({@code maxDominates}; defined for Gaussian laws only, false for the others).
 */
public final class MeanField {
    private MeanField() {}

    /** The factor of {@link #smallN}: N &lt; 100 E[e^{2X}]/M^2 is "not much larger". */
    public static final double SMALL_N_FACTOR = 100.0;

    /** Logistic 1/(1 + e^{-z}) without overflow; z = +-inf give 1 and 0. */
    public static double logistic(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /** ln(N-1), -inf for N = 1. */
    static double logNm1(long n) {
        return n <= 1 ? Double.NEGATIVE_INFINITY : Math.log((double) (n - 1));
    }

    /** 1/(1 + (N-1) M e^{-s}) for scores without mitigation. */
    public static double meanField(long n, double s, Law law) {
        if (n <= 1) {
            return 1.0;
        }
        return logistic(s - logNm1(n) - law.logM());
    }

    /**
     * The mean field under a mitigation: multiplicative ones scale the law and s; top-k has no mean
     * field of this form (NaN).
     */
    public static double meanField(long n, double s, Law law, Mitigation mitigation) {
        if (mitigation.kind() == Mitigation.Kind.TOP_K) {
            return Double.NaN;
        }
        if (n <= 1) {
            return 1.0;
        }
        double c = mitigation.scoreScale(n);
        return meanField(n, c * s, scaled(law, c));
    }

    /** Corollary 1: ln(N-1) + ln M + ln(p/(1-p)). */
    public static double sFormula(long n, double p, Law law) {
        return logNm1(n) + law.logM() + Math.log(p / (1 - p));
    }

    /** The law of c X for c &gt; 0. */
    public static Law scaled(Law law, double c) {
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("scale must be finite and > 0: " + c);
        }
        if (c == 1.0) {
            return law;
        }
        return switch (law.kind()) {
            case GAUSSIAN -> Law.gaussian(c * law.a(), c * law.b());
            case GUMBEL -> Law.gumbel(c * law.a(), c * law.b());
            case UNIFORM -> Law.uniform(c * law.a(), c * law.b());
            case EXPONENTIAL -> Law.exponential(c * law.a(), law.b() / c);
            case STUDENT_T -> Law.studentT(c * law.a(), c * law.b(), law.c());
        };
    }

    /** ln(E[e^{2X}] / M^2), +inf where E[e^{2X}] diverges; sigma^2 for a Gaussian. */
    public static double logRelativeSecondMoment(Law law) {
        double l2 = scaled(law, 2.0).logM();
        double l1 = law.logM();
        if (l2 == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        return l2 - 2 * l1;
    }

    /** N is not much larger than E[e^{2X}]/M^2 (N &lt; 100 e^{sigma^2} for a Gaussian); see the class note. */
    public static boolean smallN(long n, Law law) {
        double r = logRelativeSecondMoment(law);
        return r == Double.POSITIVE_INFINITY || Math.log((double) n) < Math.log(SMALL_N_FACTOR) + r;
    }

    /** Gaussian sigma &ge; sqrt(2 ln N): the largest distractor dominates the sum (false for other laws). */
    public static boolean maxDominates(long n, Law law) {
        return law.kind() == Law.Kind.GAUSSIAN && law.b() >= Math.sqrt(2 * Math.log((double) n));
    }
}
