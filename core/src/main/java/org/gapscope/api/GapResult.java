package org.gapscope.api;

/**
 * The Jensen gap of logit summation (docs/MATH.md section 3) for B tokens and H heads.
 *
 * <p>Per token b: {@code logZHeads[b*H + h]} = log Z_h, {@code logZ[b]} = log Z of the aggregate
 * L = sum_h l^(h) (+ extra logits when {@code extraIncluded}), {@code gamma[b]} = sum_h log Z_h - log Z,
 * {@code gammaJ[b]} = (1/H) sum_h log Z_h - log sum_y exp((1/H) sum_h l_y^(h)) (heads only, never the
 * extra logits), and, when targets were given, {@code ledger[b]} = sum_h p_h - p_{H+1} with
 * p_h = -log pi^(h)_{y*} and p_{H+1} = -log Pi_{y*}, computed from those probabilities (not from gamma),
 * so that the identity ledger = gamma + b_{y*} (= gamma without extra logits) is checked.
 * {@code nonFinite[b]} counts logits of the token that were NaN or +-inf (their effect follows the LSE
 * conventions: a NaN makes the token's results NaN, +inf makes log Z = +inf).
 */
public record GapResult(int tokens, int heads, boolean extraIncluded, double[] logZHeads, double[] logZ,
                        double[] gamma, double[] gammaJ, double[] ledger, long[] nonFinite) {

    public double logZHead(int token, int head) {
        return logZHeads[token * heads + head];
    }
}
