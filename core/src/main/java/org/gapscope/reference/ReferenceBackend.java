package org.gapscope.reference;

import java.util.PriorityQueue;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Capabilities;
import org.gapscope.api.Checks;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.GapResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.SweepLogits;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.host.BaseBackend;
import org.gapscope.host.Fp64Rows;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.SweepGap;

/**
 * The FP64 oracle: plain, readable loops in double precision, one element at a time. Every other
 * backend is tested against it. Not fast, and not meant to be.
 *
 * <p>Error bound: each LSE is max-shifted and summed sequentially in FP64, so for V terms its absolute
 * error is at most about V * 2^-53 (1e-10 at V = 10^6), far below anything the FP32 backends reach.
 */
public final class ReferenceBackend extends BaseBackend {

    public ReferenceBackend() {
        super("reference", "host CPU, one thread, FP64 loops", new Capabilities(true, 1, false, "sequential FP64"), 0);
    }

    // ---- section 1 -----------------------------------------------------------------------------

    @Override
    public double[] logSumExp(Tensor x, double temperature) {
        Checks.temperature(temperature);
        int v = Checks.lastDim(x, "logSumExp");
        int rows = Math.toIntExact(x.size() / v);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = Fp64Rows.lse(x.toDoubles((long) r * v, v), 0, v, temperature);
        }
        return out;
    }

    @Override
    protected Tensor rowwise(Tensor x, double temperature, boolean log, Tensor result) {
        Checks.temperature(temperature);
        String name = log ? "logSoftmax" : "softmax";
        int v = Checks.lastDim(x, name);
        if (result != null) {
            Checks.output(x, result, name);
        }
        long rows = x.size() / v;
        Tensor out = result != null ? result : Tensor.zeros(DType.F64, x.shape());
        double[] o = new double[v];
        for (long r = 0; r < rows; r++) {
            Fp64Rows.softmaxRow(x.toDoubles(r * v, v), temperature, log, o);
            for (int i = 0; i < v; i++) {
                out.set(r * v + i, o[i]);
            }
        }
        return out;
    }

    // ---- section 2 -----------------------------------------------------------------------------

    @Override
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask) {
        Checks.AttentionShape s = Checks.attention(q, k, v);
        Tensor out = Tensor.zeros(DType.F64, s.outShape(q));
        Tensor lseOut = Tensor.zeros(DType.F64, s.lseShape(q));
        for (long h = 0; h < s.heads(); h++) {
            Fp64Rows.attentionHead(q, k, v, h, s, scale, mask, out, lseOut);
        }
        return new AttentionResult(out, lseOut);
    }

    // ---- section 3 -----------------------------------------------------------------------------

    @Override
    public GapResult jensenGap(Tensor logits, Tensor extra, int[] targets) {
        Checks.GapShape s = Checks.gap(logits, extra, targets);
        // per token, one FP64 pass per head, then the aggregate and the mean (Fp64Rows.gapToken)
        double[] logZHeads = new double[s.tokens() * s.heads()];
        double[] logZ = new double[s.tokens()];
        double[] logZMean = new double[s.tokens()];
        long[] nonFinite = new long[s.tokens()];
        for (int t = 0; t < s.tokens(); t++) {
            Fp64Rows.gapToken(logits, extra, t, s.heads(), s.vocab(), logZHeads, logZ, logZMean);
            nonFinite[t] = Fp64Rows.gapTokenNonFinite(logits, extra, t, s.heads(), s.vocab());
        }
        return Fp64Rows.gapResult(logits, extra, targets, s, logZHeads, logZ, logZMean, nonFinite);
    }

    // ---- sections 4 and 5: mixtureGaps and attribution are BaseBackend's (shared host code) -----

    // ---- sections 3 and 4, fused over generated logits ---------------------------------------------

    /**
     * The oracle of the fused sweep op: for each token, every y in order, the H logits of y
     * ({@link SweepGap#logit}), folded into exact-order FP64 online states (per head: max, sum of exp,
     * sum of exp^2; the aggregate and the mean logits), then (when spec.brier()) a second pass over the same
     * draws for sum_y (sum_h pi_h(y))^2. Memory O(H).
     */
    @Override
    public SweepResult sweepGap(SweepSpec spec) {
        int h = spec.heads();
        int v = spec.vocab();
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        SweepResult r = SweepResult.empty(spec);
        int[] scratch = new int[4];
        double[] m = new double[h];
        double[] d = new double[h];
        double[] d2 = new double[h];
        double[] lt = new double[h];
        double[] zh = new double[h];
        double[] norm2 = new double[h];
        for (int t = 0; t < spec.tokens(); t++) {
            long b = spec.firstToken() + t; // the token's number in the stream
            int target = SweepLogits.target(b, spec.seed(), v);
            java.util.Arrays.fill(m, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(d, 0);
            java.util.Arrays.fill(d2, 0);
            double aggM = Double.NEGATIVE_INFINITY;
            double aggD = 0;
            double meanM = Double.NEGATIVE_INFINITY;
            double meanD = 0;
            for (int y = 0; y < v; y++) {
                double sum = 0;
                for (int k = 0; k < h; k++) {
                    double l = SweepGap.logit(law, b, k, h, v, y, target, spec.seed(), spec.sigma(), spec.margin(),
                            cs, ce, spec.temperature(), scratch, 0);
                    sum += l;
                    if (y == target) {
                        lt[k] = l;
                    }
                    double mNew = Math.max(m[k], l);
                    double rescale = Math.exp(m[k] - mNew);
                    double e = Math.exp(l - mNew);
                    d[k] = d[k] * rescale + e;
                    d2[k] = d2[k] * rescale * rescale + e * e;
                    m[k] = mNew;
                }
                double mean = sum / h;
                double mNew = Math.max(meanM, mean);
                meanD = meanD * Math.exp(meanM - mNew) + Math.exp(mean - mNew);
                meanM = mNew;
                mNew = Math.max(aggM, sum);
                aggD = aggD * Math.exp(aggM - mNew) + Math.exp(sum - mNew);
                aggM = mNew;
            }
            for (int k = 0; k < h; k++) {
                zh[k] = m[k] + Math.log(d[k]);
                norm2[k] = d2[k] / (d[k] * d[k]);
            }
            double mixSq = spec.brier() ? 0 : Double.NaN; // without the Brier gap, no second pass
            for (int y = 0; spec.brier() && y < v; y++) {
                double s = 0;
                for (int k = 0; k < h; k++) {
                    s += Math.exp(SweepGap.logit(law, b, k, h, v, y, target, spec.seed(), spec.sigma(), spec.margin(),
                            cs, ce, spec.temperature(), scratch, 0) - zh[k]);
                }
                mixSq += s * s;
            }
            r.token(t, target, zh, norm2, lt, 0, aggM + Math.log(aggD), meanM + Math.log(meanD), mixSq);
        }
        return r;
    }

    // ---- section 7 -----------------------------------------------------------------------------

    @Override
    public CrowdingResult crowding(CrowdingSpec spec) {
        long n = spec.n();
        double scale = spec.mitigation().scoreScale(n);
        boolean topK = spec.mitigation().kind() == Mitigation.Kind.TOP_K;
        int k = topK ? (int) Math.min(Integer.MAX_VALUE - 8, (long) spec.mitigation().value()) : 0;
        double s = spec.s() * scale;
        double[] p = new double[spec.reps()];
        double[] lseD = new double[spec.reps()];
        int[] scratch = new int[4];
        for (int r = 0; r < spec.reps(); r++) {
            int rep = spec.firstRep() + r;
            double m = Double.NEGATIVE_INFINITY;
            double d = 0;
            PriorityQueue<Double> top = topK ? new PriorityQueue<>() : null;
            for (long i = 0; i < n - 1; i++) {
                double x = scale * Laws.draw(i, rep, spec.seed(), spec.law().kind().code, spec.law().a(),
                        spec.law().b(), spec.law().c(), scratch, 0);
                if (topK) {
                    top.add(x);
                    if (top.size() > k) {
                        top.poll();
                    }
                } else {
                    double mNew = Math.max(m, x);
                    d = d * Math.exp(m - mNew) + Math.exp(x - mNew);
                    m = mNew;
                }
            }
            if (topK) {
                // s is among the k largest of all N scores iff fewer than k distractors exceed it.
                if (top.size() == k && top.peek() > s) {
                    p[r] = 0;
                    lseD[r] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                if (top.size() == k) {
                    top.poll(); // the smallest of the k gives way to s
                }
                for (double x : top) {
                    double mNew = Math.max(m, x);
                    d = d * Math.exp(m - mNew) + Math.exp(x - mNew);
                    m = mNew;
                }
            }
            double l = d == 0 ? Double.NEGATIVE_INFINITY : m + Math.log(d);
            lseD[r] = l;
            p[r] = 1.0 / (1.0 + Math.exp(l - s));
        }
        return new CrowdingResult(spec, p, lseD);
    }

    // ---- section 8 -----------------------------------------------------------------------------

    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        Checks.positional(omegas);
        double[] f = new double[deltas.length];
        for (int i = 0; i < deltas.length; i++) {
            double s = 0;
            for (double w : omegas) {
                s += Math.cos(w * deltas[i]);
            }
            f[i] = s / omegas.length;
        }
        return f;
    }
}
