package org.gapscope.api;

/**
 * Per token of a {@link SweepSpec} (index t = the spec's token t, drawn as token spec.firstToken() + t of
 * the stream): the observed token y*, log Z_h (index t * H + h), log Z of the
 * aggregate, Gamma = sum_h log Z_h - log Z, gammaJ (averaged logits), the ledger imbalance at y*
 * (MATH.md eq. 73: equal to Gamma), and the Theorem 4 gaps of the equal-weight mixture for the log and
 * the Brier score. Every backend forms the per-token numbers from the same few sums with
 * {@link #token}, so backends differ only in how they reduce the draws.
 */
public record SweepResult(SweepSpec spec, int[] targets, double[] logZHeads, double[] logZ, double[] gamma,
                          double[] gammaJ, double[] ledger, double[] logGap, double[] brierGap) {

    /** An empty result for spec.tokens() tokens, filled by {@link #token}. */
    public static SweepResult empty(SweepSpec spec) {
        int b = Math.toIntExact(spec.tokens());
        return new SweepResult(spec, new int[b], new double[b * spec.heads()], new double[b], new double[b],
                new double[b], new double[b], new double[b], new double[b]);
    }

    /**
     * Fills token t from its sums: zh[zOff + h] = log Z_h, norm2[zOff + h] = ||pi_h||^2,
     * lt[zOff + h] = l^(h)_{y*}, logZ, logZMean (of the mean logits), mixSq = sum_y (sum_h pi_h(y))^2.
     * The formulas are those of {@code jensenGap} and {@code mixtureGaps} with beta_h = 1/H:
     * ledger = sum_h (log Z_h - l_h*) - (log Z - sum_h l_h*); log score S = log p(y*); Brier score
     * S = 2 p(y*) - ||p||^2; gap = S(Pi, y*) - (1/H) sum_h S(pi_h, y*).
     */
    public void token(int t, int target, double[] zh, double[] norm2, double[] lt, int zOff, double logZAgg,
                      double logZMean, double mixSq) {
        int h = spec.heads();
        double beta = 1.0 / h;
        targets[t] = target;
        double sumZ = 0;
        double heads = 0;
        double agg = 0;
        double mixed = 0;
        double mix = 0;
        double mixedBrier = 0;
        for (int k = 0; k < h; k++) {
            double z = zh[zOff + k];
            double l = lt[zOff + k];
            logZHeads[t * h + k] = z;
            sumZ += z;
            heads += z - l;
            agg += l;
            double logPi = l - z;
            double pi = Math.exp(logPi);
            mixed += beta * logPi;
            mix += beta * pi;
            mixedBrier += beta * (2 * pi - norm2[zOff + k]);
        }
        logZ[t] = logZAgg;
        gamma[t] = sumZ - logZAgg;
        gammaJ[t] = sumZ / h - logZMean;
        ledger[t] = heads - (logZAgg - agg);
        logGap[t] = Math.log(mix) - mixed;
        double mixNorm2 = mixSq * beta * beta;
        brierGap[t] = (2 * mix - mixNorm2) - mixedBrier;
    }
}
