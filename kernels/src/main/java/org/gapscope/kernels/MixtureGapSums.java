package org.gapscope.kernels;

/**
 * Bodies of mixtureGaps (docs/MATH.md section 4): one pass over chunks of y gives every sum from which
 * the mixture's score gaps follow in closed form, then a merge in chunk order. With log Z_h known (the
 * heads' LSEs, an earlier pass), pi_h(y) = exp(l_h(y) - log Z_h) and mix(y) = sum_h beta_h pi_h(y);
 * work-item c reduces chunk c of y (layout: {@link Chunks}) to {@link #width}(H) FP64 sums at
 * parts[c * width ...]:
 * <ul>
 *   <li>[h]: sum pi_h^2 (||pi_h||^2),</li>
 *   <li>[H + h]: sum mix pi_h,</li>
 *   <li>[2H + h]: sum mix log pi_h (log pi_h = l_h - log Z_h; a term with mix = 0 is an exact 0),</li>
 *   <li>[3H]: sum mix, [3H + 1]: sum mix^2 (||Pi||^2), [3H + 2]: sum of mix log mix over mix &gt; 0.</li>
 * </ul>
 * Logits are FP64 ([H, V] row-major, one token), finite; exp, log and every sum are FP64.
 */
public final class MixtureGapSums {
    private MixtureGapSums() {}

    /** Sums per chunk (and in the merged result) for {@code heads} heads: 3 H + 3. */
    public static int width(int heads) {
        return 3 * heads + 3;
    }

    /**
     * Partial sums of chunk c over y into parts[c * width(H) ...], which must hold zeros on entry (a fresh
     * array: the per-head sums are added there term by term). pi_h(y) is evaluated twice per (h, y), before
     * and after Pi(y) is known, with the same arithmetic and so the same value (no scratch array).
     */
    public static void mixtureGapsPartial(int c, double[] l, int heads, int v, int chunks, int layout, double[] logZ,
                                          double[] beta, double[] parts) {
        int base = c * (3 * heads + 3);
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double s1 = 0.0;
        double s2 = 0.0;
        double sl = 0.0;
        for (long k = 0; k < count; k++) {
            int y = (int) (start + k * step);
            double mix = 0.0;
            for (int h = 0; h < heads; h++) {
                double p = Math.exp(l[h * v + y] - logZ[h]);
                mix += beta[h] * p;
                parts[base + h] += p * p;
            }
            s1 += mix;
            s2 += mix * mix;
            if (mix > 0.0) {
                sl += mix * Math.log(mix);
            }
            for (int h = 0; h < heads; h++) {
                double logPi = l[h * v + y] - logZ[h];
                parts[base + heads + h] += mix * Math.exp(logPi);
                parts[base + 2 * heads + h] += mix * logPi;
            }
        }
        parts[base + 3 * heads] = s1;
        parts[base + 3 * heads + 1] = s2;
        parts[base + 3 * heads + 2] = sl;
    }

    /** Merge: sums[k] = the chunks' parts[c * width + k] added in chunk order (c = 0, 1, ...). */
    public static void mixtureGapsMerge(int k, int chunks, int width, double[] parts, double[] sums) {
        double s = 0.0;
        for (int c = 0; c < chunks; c++) {
            s += parts[c * width + k];
        }
        sums[k] = s;
    }
}
