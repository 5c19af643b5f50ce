package org.gapscope.api;

/**
 * Convex aggregation of head distributions scored by a proper score (docs/MATH.md section 4), for one token.
 * Heads' distributions are pi^(h) = softmax(l^(h)), the mixture is Pi = sum_h beta_h pi^(h).
 *
 * @param score       which score
 * @param mixture     S(Pi, y*)
 * @param heads       S(pi^(h), y*) per head
 * @param gap         Gamma_S = S(Pi, y*) - sum_h beta_h S(pi^(h), y*)
 * @param c           the constant with c &ge; max_{h,y} S(pi^(h), y) used for contributions
 * @param contributions p_h = beta_h (c - S(pi^(h), y*))
 * @param sumContributions sum_h p_h, which equals {@code [c - S(Pi, y*)] + gap} (eq. 53)
 * @param divergences per head, E_{y~Pi}[S(Pi,y) - S(pi^(h),y)] (KL(Pi||pi^(h)) for log, ||Pi - pi^(h)||^2
 *                    for Brier): the regret of Theorem 3 if head h's forecast is used when Pi is true
 */
public record MixtureGaps(Score score, double mixture, double[] heads, double gap, double c,
                          double[] contributions, double sumContributions, double[] divergences) {

    public enum Score { LOG, BRIER, SPHERICAL }

    /** c - S(Pi, y*), the first term of the split of sum_h p_h. */
    public double mixtureLoss() {
        return c - mixture;
    }
}
