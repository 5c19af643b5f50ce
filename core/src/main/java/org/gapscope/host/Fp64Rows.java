package org.gapscope.host;

import java.lang.foreign.MemorySegment;

import org.gapscope.api.Checks;
import org.gapscope.api.GapResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;

/**
 * FP64 host arithmetic for one row, head or token, with the ±inf/NaN conventions of docs/MATH.md
 * section 1 stated here and nowhere else: a NaN anywhere makes the LSE NaN; otherwise a +inf (also a
 * finite x whose x/T overflows) makes it +inf; a row of only -inf has LSE -inf and a softmax row of
 * NaN; single -inf entries are zeros of the softmax; a query that sees no key has LSE -inf and output 0.
 *
 * <p>Two kinds of caller: the reference backend runs every row through these methods (they are its
 * loops), and the kernel-running backends ({@link KernelBackend}) run through them only the rows,
 * heads and tokens whose <em>input</em> holds ±inf or NaN, which the kernel bodies cannot handle.
 * {@code Fp64RowsTest} checks the conventions against literal expected values.
 */
public final class Fp64Rows {
    private Fp64Rows() {}

    // ---- docs/MATH.md section 1 ------------------------------------------------------------

    /** LSE of values[from, from + n) divided by t, max-shifted and summed in order in FP64. */
    public static double lse(double[] values, int from, int n, double t) {
        double m = Double.NEGATIVE_INFINITY;
        boolean nan = false;
        boolean posInf = false;
        for (int i = from; i < from + n; i++) {
            double x = values[i] / t;
            if (Double.isNaN(x)) {
                nan = true;
            } else if (x == Double.POSITIVE_INFINITY) {
                posInf = true;
            } else if (x > m) {
                m = x;
            }
        }
        if (nan) {
            return Double.NaN;
        }
        if (posInf) {
            return Double.POSITIVE_INFINITY;
        }
        if (m == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        double d = 0;
        for (int i = from; i < from + n; i++) {
            d += Math.exp(values[i] / t - m);
        }
        return m + Math.log(d);
    }

    public static double lse(double[] values) {
        return lse(values, 0, values.length, 1.0);
    }

    /**
     * softmax (log false) or log-softmax (log true) of one row divided by t into out[0, row.length):
     * x/t - LSE, exponentiated for softmax; a row whose LSE is -inf (only -inf) becomes NaN.
     */
    public static void softmaxRow(double[] row, double t, boolean log, double[] out) {
        int v = row.length;
        double l = lse(row, 0, v, t);
        for (int i = 0; i < v; i++) {
            double y = row[i] / t - l;
            out[i] = log ? y : Math.exp(y);
        }
        if (l == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(out, 0, v, Double.NaN);
        }
    }

    /** Whether every element of a[from, from + n) is finite. */
    public static boolean allFinite(double[] a, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (!Double.isFinite(a[i])) {
                return false;
            }
        }
        return true;
    }

    /** The number of elements of x[from, from + n) that are NaN or ±inf. */
    public static long countNonFinite(Tensor x, long from, long n) {
        long c = 0;
        for (long i = from; i < from + n; i++) {
            if (!Double.isFinite(x.get(i))) {
                c++;
            }
        }
        return c;
    }

    // ---- docs/MATH.md section 2 ------------------------------------------------------------

    /**
     * Attention of head h of q, k, v (any dtype) into the F64 tensors out and lse, by
     * {@link #attentionHead(double[], double[], double[], int, int, int, int, int, double, MaskAlignment, double[], double[])}.
     */
    public static void attentionHead(Tensor q, Tensor k, Tensor v, long h, Checks.AttentionShape s, double scale,
                                     MaskAlignment mask, Tensor out, Tensor lse) {
        int tq = Math.toIntExact(s.tq());
        int tk = Math.toIntExact(s.tk());
        int d = Math.toIntExact(s.d());
        int dv = Math.toIntExact(s.dv());
        double[] o = new double[tq * dv];
        double[] l = new double[tq];
        attentionHead(q.toDoubles(h * tq * d, tq * d), k.toDoubles(h * tk * d, tk * d), v.toDoubles(h * tk * dv, tk * dv),
                0, tq, tk, d, dv, scale, mask, o, l);
        MemorySegment.copy(o, 0, out.segment(), KernelBackend.DOUBLE, h * tq * dv * 8, o.length);
        MemorySegment.copy(l, 0, lse.segment(), KernelBackend.DOUBLE, h * tq * 8, l.length);
    }

    /**
     * Attention of head h, arrays laid out as the attention body takes them (q [heads*tq*d], k
     * [heads*tk*d], v [heads*tk*dv], out [heads*tq*dv], lse [heads*tq]): scores, their LSE, then the
     * weighted sum of the values, each in FP64 in key order.
     */
    public static void attentionHead(double[] q, double[] k, double[] v, int h, int tq, int tk, int d, int dv,
                                     double scale, MaskAlignment mask, double[] out, double[] lse) {
        double[] scores = new double[tk];
        for (int i = 0; i < tq; i++) {
            int limit = mask.keyLimit(i, tq, tk);
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

    // ---- docs/MATH.md section 3 ------------------------------------------------------------

    /**
     * Token t of logits [B, H, V]: log Z_h of every head into logZHeads[t*h ...], log Z of the aggregate
     * (heads plus extra logits) into logZ[t] and log Z of the mean logits into logZMean[t].
     */
    public static void gapToken(Tensor logits, Tensor extra, int t, int h, int v, double[] logZHeads,
                                double[] logZ, double[] logZMean) {
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

    /** The non-finite logits of token t: its H*V logits and its extra row. */
    public static long gapTokenNonFinite(Tensor logits, Tensor extra, int t, int h, int v) {
        return countNonFinite(logits, (long) t * h * v, (long) h * v)
                + (extra == null ? 0 : countNonFinite(extra, extra.rank() == 2 ? (long) t * v : 0, v));
    }

    /**
     * The Jensen-gap result from every token's log Z_h, log Z and log Z of the mean: gamma = sum_h log Z_h
     * - log Z, gammaJ = (1/H) sum_h log Z_h - log Z_mean and, with targets, the ledger
     * sum_h (log Z_h - l_h[y*]) - (log Z - L[y*]) (docs/MATH.md section 3).
     */
    public static GapResult gapResult(Tensor logits, Tensor extra, int[] targets, Checks.GapShape shape,
                                      double[] logZHeads, double[] logZ, double[] logZMean, long[] nonFinite) {
        int b = shape.tokens();
        int h = shape.heads();
        int v = shape.vocab();
        double[] gamma = new double[b];
        double[] gammaJ = new double[b];
        double[] ledger = targets == null ? null : new double[b];
        for (int t = 0; t < b; t++) {
            double sum = 0;
            for (int hh = 0; hh < h; hh++) {
                sum += logZHeads[t * h + hh];
            }
            gamma[t] = sum - logZ[t];
            gammaJ[t] = sum / h - logZMean[t];
            if (targets != null) {
                int y = targets[t];
                double heads = 0;
                double agg = 0;
                for (int hh = 0; hh < h; hh++) {
                    double l = logits.get(((long) t * h + hh) * v + y);
                    heads += logZHeads[t * h + hh] - l;
                    agg += l;
                }
                if (extra != null) {
                    agg += extra.get((extra.rank() == 2 ? (long) t * v : 0) + y);
                }
                ledger[t] = heads - (logZ[t] - agg);
            }
        }
        return new GapResult(b, h, extra != null, logZHeads, logZ, gamma, gammaJ, ledger, nonFinite);
    }
}
