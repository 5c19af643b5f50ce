package org.gapscope.host;

import static org.gapscope.reference.ReferenceBackend.lse;

/**
 * Scalar host code for the cases the kernel bodies leave to the host: rows, tokens and heads that
 * hold NaN or +-inf (docs/MATH.md section 1 conventions: a NaN makes the LSE NaN, a +inf makes it +inf,
 * a row of only -inf has LSE -inf). It runs only for such rows, never on the hot path. The LSE with
 * these conventions is the reference backend's {@link org.gapscope.reference.ReferenceBackend#lse}.
 */
final class HostOps {
    private HostOps() {}

    /**
     * log Z_h, log Z (heads plus extra logits) and log Z of the mean logits of one token whose logits
     * are not all finite, following the LSE conventions.
     */
    static void gapToken(org.gapscope.api.Tensor logits, org.gapscope.api.Tensor extra, int t, int h, int v,
                         double[] logZHeads, double[] logZ, double[] logZMean) {
        double[] agg = new double[v];
        for (int hh = 0; hh < h; hh++) {
            double[] row = logits.toDoubles(((long) t * h + hh) * v, v);
            for (int y = 0; y < v; y++) {
                agg[y] += row[y];
            }
            logZHeads[t * h + hh] = lse(row, 0, v, 1.0);
        }
        double[] mean = new double[v];
        for (int y = 0; y < v; y++) {
            mean[y] = agg[y] / h;
        }
        if (extra != null) {
            long base = extra.rank() == 2 ? (long) t * v : 0;
            for (int y = 0; y < v; y++) {
                agg[y] += extra.get(base + y);
            }
        }
        logZ[t] = lse(agg, 0, v, 1.0);
        logZMean[t] = lse(mean, 0, v, 1.0);
    }

    /** Attention of head h (arrays as the body takes them) when its inputs are not all finite. */
    static void attentionHead(double[] q, double[] k, double[] v, int h, int tq, int tk, int d, int dv,
                              double scale, org.gapscope.api.MaskAlignment mask, double[] out, double[] lse) {
        double[] scores = new double[tk];
        for (int i = 0; i < tq; i++) {
            int limit = (int) mask.keyLimit(i, tq, tk);
            int item = h * tq + i;
            for (int j = 0; j < limit; j++) {
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += q[item * d + c] * k[(h * tk + j) * d + c];
                }
                scores[j] = dot * scale;
            }
            double l = limit == 0 ? Double.NEGATIVE_INFINITY : lse(scores, 0, limit, 1.0);
            lse[item] = l;
            for (int c = 0; c < dv; c++) {
                double acc = 0;
                for (int j = 0; j < limit; j++) {
                    acc += Math.exp(scores[j] - l) * v[(h * tk + j) * dv + c];
                }
                out[item * dv + c] = limit == 0 ? 0 : acc;
            }
        }
    }
}
