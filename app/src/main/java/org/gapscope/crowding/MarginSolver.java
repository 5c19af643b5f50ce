package org.gapscope.crowding;

import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;

/**
 * Solves for the margin s*(N, p) at which the simulated mean of P_N equals p (docs/MATH.md section 7,
 * next to P2 Corollary 1), with common random numbers across s.
 *
 * <p><b>The shortcut for plain softmax, temperature and scalable softmax.</b> These multiply every score
 * by a constant c (1, 1/T, s_c ln N) that does not depend on s. With common random numbers the distractors
 * of repetition r are the same for every s, so D_r = ln sum_k e^{c X_k} (the backend's
 * {@code logSumDistractors}) does not depend on s, and P_N of repetition r is exactly
 * 1 / (1 + e^{D_r - c s}). The distractors are therefore simulated once, and
 * g(s) = (1/R) sum_r 1/(1 + e^{D_r - c s}) - p is solved exactly (to round-off) by bisection. g is
 * increasing, and the bracket is exact: at c s = min_r D_r + logit p every term is at most p, at
 * c s = max_r D_r + logit p every term is at least p.
 *
 * <p><b>Top-k</b> keeps only the k largest scores, and which scores those are depends on s, so D_r
 * depends on s: every evaluation of g re-simulates all repetitions with the same seed (the same draws),
 * and bisection runs on that monotone, piecewise-smooth function to {@link #TOP_K_TOLERANCE}.
 *
 * <p>The standard error of s* (delta method): SE(mean P at s*) / g'(s*), with
 * g'(s) = (c/R) sum_r P_r (1 - P_r); NaN where g' = 0.
 */
public final class MarginSolver {
    private MarginSolver() {}

    /** Absolute tolerance on s of the top-k search (each step re-simulates). */
    public static final double TOP_K_TOLERANCE = 1e-6;

    public record Solution(double sStar, double stdErr, int evaluations) {}

    /** Solves mean_r logistic(c s - D_r) = p for s by bisection on the exact bracket. */
    public static double solve(double[] logSumDistractors, double c, double p) {
        checkP(p);
        double logit = Math.log(p / (1 - p));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double d : logSumDistractors) {
            if (d == Double.NEGATIVE_INFINITY) {
                return Double.NaN; // no distractors: P_N = 1 for every s, no s gives p < 1
            }
            lo = Math.min(lo, d);
            hi = Math.max(hi, d);
        }
        lo = (lo + logit) / c;
        hi = (hi + logit) / c;
        for (int it = 0; it < 2000 && hi - lo > 0; it++) {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) {
                break; // adjacent doubles: as exact as FP64 allows
            }
            if (meanP(logSumDistractors, c, mid) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** (1/R) sum_r logistic(c s - D_r), summed in repetition order. */
    public static double meanP(double[] logSumDistractors, double c, double s) {
        double sum = 0;
        for (double d : logSumDistractors) {
            sum += MeanField.logistic(c * s - d);
        }
        return sum / logSumDistractors.length;
    }

    static void checkP(double p) {
        if (!(p > 0 && p < 1)) {
            throw new InputException("--p: the target probability must lie strictly between 0 and 1, got " + p);
        }
    }

    /** s*(N, p) on a backend: one simulation for multiplicative mitigations, bisection with re-simulation for top-k. */
    public static Solution solve(Backend backend, long n, double p, Law law, int reps, long seed, Mitigation mitigation) {
        checkP(p);
        if (mitigation.kind() != Mitigation.Kind.TOP_K) {
            double c = mitigation.scoreScale(n);
            double[] d = backend.crowding(new CrowdingSpec(n, 0.0, law, reps, 0, seed, mitigation)).logSumDistractors();
            double s = solve(d, c, p);
            return new Solution(s, stdErr(d, c, s), 1);
        }
        return solveTopK(backend, n, p, law, reps, seed, mitigation);
    }

    static double stdErr(double[] d, double c, double s) {
        if (Double.isNaN(s)) {
            return Double.NaN;
        }
        double[] pr = new double[d.length];
        double slope = 0;
        for (int r = 0; r < d.length; r++) {
            pr[r] = MeanField.logistic(c * s - d[r]);
            slope += c * pr[r] * (1 - pr[r]);
        }
        slope /= d.length;
        return slope > 0 ? Stats.of(pr).stdErr() / slope : Double.NaN;
    }

    private static Solution solveTopK(Backend backend, long n, double p, Law law, int reps, long seed,
                                      Mitigation mitigation) {
        int[] evals = {0};
        java.util.function.DoubleUnaryOperator g = s -> {
            evals[0]++;
            double[] pr = backend.crowding(new CrowdingSpec(n, s, law, reps, 0, seed, mitigation)).p();
            double sum = 0;
            for (double v : pr) {
                sum += v;
            }
            return sum / reps - p;
        };
        // start from the plain-softmax solution and widen until the sign changes
        double[] d = backend.crowding(new CrowdingSpec(n, 0.0, law, reps, 0, seed, Mitigation.NONE)).logSumDistractors();
        double s0 = solve(d, 1.0, p);
        if (Double.isNaN(s0)) {
            return new Solution(Double.NaN, Double.NaN, 1);
        }
        double step = 1.0;
        double lo = s0 - step;
        double hi = s0 + step;
        while (g.applyAsDouble(lo) >= 0) {
            step *= 2;
            lo = s0 - step;
            if (step > 1e6) {
                return new Solution(Double.NaN, Double.NaN, evals[0]);
            }
        }
        step = 1.0;
        while (g.applyAsDouble(hi) < 0) {
            step *= 2;
            hi = s0 + step;
            if (step > 1e6) {
                return new Solution(Double.NaN, Double.NaN, evals[0]);
            }
        }
        while (hi - lo > TOP_K_TOLERANCE) {
            double mid = 0.5 * (lo + hi);
            if (g.applyAsDouble(mid) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Solution(0.5 * (lo + hi), Double.NaN, evals[0] + 1);
    }
}
