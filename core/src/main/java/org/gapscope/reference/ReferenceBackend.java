package org.gapscope.reference;

import java.util.PriorityQueue;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Backend;
import org.gapscope.api.Capabilities;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.GapResult;
import org.gapscope.api.InputException;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.SweepLogits;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.SweepGap;

/**
 * The FP64 oracle: plain, readable loops in double precision, one element at a time. Every other
 * backend is tested against it. Not fast, and not meant to be.
 *
 * <p>Error bound: each LSE is max-shifted and summed sequentially in FP64, so for V terms its absolute
 * error is at most about V * 2^-53 (1e-10 at V = 10^6), far below anything the FP32 backends reach.
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return "host CPU, one thread, FP64 loops";
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, 1, false, "sequential FP64");
    }

    @Override
    public int priority() {
        return 0;
    }

    // ---- section 1 -----------------------------------------------------------------------------

    /** LSE of values[from, from + n) divided by t, with the NaN/+-inf conventions of docs/MATH.md section 1. */
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

    /** Rejects a temperature that is not a finite number &gt; 0 (shared by every backend's host code). */
    public static void checkTemperature(double t) {
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new InputException("temperature must be a finite number > 0, got " + t);
        }
    }

    /** The last dimension V of x as an int, rejecting rank 0 and V = 0 (shared by every backend's host code). */
    public static int lastDim(Tensor x, String what) {
        if (x.rank() < 1) {
            throw new InputException(what + ": needs at least one dimension");
        }
        long v = x.dim(-1);
        if (v == 0) {
            throw new InputException(what + ": the last dimension (V) is empty");
        }
        return Math.toIntExact(v);
    }

    @Override
    public double[] logSumExp(Tensor x, double temperature) {
        checkTemperature(temperature);
        int v = lastDim(x, "logSumExp");
        int rows = Math.toIntExact(x.size() / v);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = lse(x.toDoubles((long) r * v, v), 0, v, temperature);
        }
        return out;
    }

    @Override
    public Tensor softmax(Tensor x, double temperature) {
        return rowwise(x, temperature, false);
    }

    @Override
    public Tensor logSoftmax(Tensor x, double temperature) {
        return rowwise(x, temperature, true);
    }

    private Tensor rowwise(Tensor x, double temperature, boolean log) {
        checkTemperature(temperature);
        int v = lastDim(x, log ? "logSoftmax" : "softmax");
        long rows = x.size() / v;
        Tensor out = Tensor.zeros(DType.F64, x.shape());
        for (long r = 0; r < rows; r++) {
            double[] row = x.toDoubles(r * v, v);
            double l = lse(row, 0, v, temperature);
            for (int i = 0; i < v; i++) {
                double y = row[i] / temperature - l;
                out.set(r * v + i, log ? y : Math.exp(y));
            }
            if (l == Double.NEGATIVE_INFINITY) {
                for (int i = 0; i < v; i++) {
                    out.set(r * v + i, Double.NaN);
                }
            }
        }
        return out;
    }

    // ---- section 2 -----------------------------------------------------------------------------

    /**
     * Validates q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] (same rank &gt;= 2, same leading
     * dimensions) and returns {heads, Tq, Tk, d, dv}, heads being the product of the leading dimensions.
     */
    public static long[] attentionShape(Tensor q, Tensor k, Tensor v) {
        if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new InputException("attention: q, k, v need the same rank >= 2, got " + q + ", " + k + ", " + v);
        }
        long tq = q.dim(-2);
        long d = q.dim(-1);
        long tk = k.dim(-2);
        long dv = v.dim(-1);
        if (k.dim(-1) != d || v.dim(-2) != tk) {
            throw new InputException("attention: shapes do not compose: q " + q + ", k " + k + ", v " + v);
        }
        long heads = q.size() / Math.max(1, tq * d);
        if (k.size() != heads * tk * d || v.size() != heads * tk * dv) {
            throw new InputException("attention: leading dimensions of q, k, v differ");
        }
        return new long[] {heads, tq, tk, d, dv};
    }

    @Override
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask) {
        long[] s = attentionShape(q, k, v);
        long heads = s[0];
        long tq = s[1];
        long tk = s[2];
        long d = s[3];
        long dv = s[4];
        long[] outShape = q.shape();
        outShape[outShape.length - 1] = dv;
        long[] lseShape = java.util.Arrays.copyOf(q.shape(), q.rank() - 1);
        Tensor out = Tensor.zeros(DType.F64, outShape);
        Tensor lseOut = Tensor.zeros(DType.F64, lseShape);
        double[] scores = new double[Math.toIntExact(tk)];
        for (long h = 0; h < heads; h++) {
            for (long i = 0; i < tq; i++) {
                int limit = Math.toIntExact(mask.keyLimit(i, tq, tk));
                for (int j = 0; j < limit; j++) {
                    double dot = 0;
                    for (long c = 0; c < d; c++) {
                        dot += q.get((h * tq + i) * d + c) * k.get((h * tk + j) * d + c);
                    }
                    scores[j] = dot * scale;
                }
                double l = limit == 0 ? Double.NEGATIVE_INFINITY : lse(scores, 0, limit, 1.0);
                lseOut.set(h * tq + i, l);
                if (limit == 0) {
                    continue;
                }
                for (long c = 0; c < dv; c++) {
                    double acc = 0;
                    for (int j = 0; j < limit; j++) {
                        acc += Math.exp(scores[j] - l) * v.get((h * tk + j) * dv + c);
                    }
                    out.set((h * tq + i) * dv + c, acc);
                }
            }
        }
        return new AttentionResult(out, lseOut);
    }

    // ---- section 3 -----------------------------------------------------------------------------

    /** Validates a logits tensor [H, V] or [B, H, V] and returns {B, H, V}. */
    public static int[] gapShape(Tensor logits, Tensor extra, int[] targets) {
        if (logits.rank() != 2 && logits.rank() != 3) {
            throw new InputException("logits: expected shape HxV or BxHxV, got rank " + logits.rank());
        }
        long b = logits.rank() == 3 ? logits.dim(0) : 1;
        long h = logits.dim(-2);
        long v = logits.dim(-1);
        if (b == 0) {
            throw new InputException("logits: no tokens (B = 0)");
        }
        if (h == 0) {
            throw new InputException("logits: no heads (H = 0)");
        }
        if (v == 0) {
            throw new InputException("logits: empty vocabulary (V = 0)");
        }
        if (h * v > Integer.MAX_VALUE) {
            throw new InputException("logits: H*V = " + h * v + " per token exceeds 2^31-1");
        }
        if (extra != null) {
            boolean ok = extra.dim(-1) == v && (extra.rank() == 1 || (extra.rank() == 2 && extra.dim(0) == b));
            if (!ok) {
                throw new InputException("extra logits: shape " + java.util.Arrays.toString(extra.shape())
                        + " does not match logits' B=" + b + ", V=" + v + " (expected V or BxV)");
            }
        }
        if (targets != null) {
            if (targets.length != b) {
                throw new InputException("targets: " + targets.length + " given for " + b + " tokens");
            }
            for (int t : targets) {
                if (t < 0 || t >= v) {
                    throw new InputException("target " + t + " is outside the vocabulary [0, " + v + ")");
                }
            }
        }
        return new int[] {(int) b, (int) h, (int) v};
    }

    @Override
    public GapResult jensenGap(Tensor logits, Tensor extra, int[] targets) {
        int[] s = gapShape(logits, extra, targets);
        int b = s[0];
        int h = s[1];
        int v = s[2];
        double[] logZHeads = new double[b * h];
        double[] logZ = new double[b];
        double[] gamma = new double[b];
        double[] gammaJ = new double[b];
        double[] ledger = targets == null ? null : new double[b];
        long[] nonFinite = new long[b];
        double[] agg = new double[v];
        double[] mean = new double[v];
        for (int t = 0; t < b; t++) {
            java.util.Arrays.fill(agg, 0);
            double sumLogZ = 0;
            double sumTargetLogits = 0;
            for (int hh = 0; hh < h; hh++) {
                double[] row = logits.toDoubles(((long) t * h + hh) * v, v);
                for (int y = 0; y < v; y++) {
                    agg[y] += row[y];
                    if (!Double.isFinite(row[y])) {
                        nonFinite[t]++;
                    }
                }
                double lz = lse(row, 0, v, 1.0);
                logZHeads[t * h + hh] = lz;
                sumLogZ += lz;
                if (targets != null) {
                    sumTargetLogits += lz - row[targets[t]];
                }
            }
            for (int y = 0; y < v; y++) {
                mean[y] = agg[y] / h;
            }
            if (extra != null) {
                long base = extra.rank() == 2 ? (long) t * v : 0;
                for (int y = 0; y < v; y++) {
                    double e = extra.get(base + y);
                    agg[y] += e;
                    if (!Double.isFinite(e)) {
                        nonFinite[t]++;
                    }
                }
            }
            logZ[t] = lse(agg, 0, v, 1.0);
            gamma[t] = sumLogZ - logZ[t];
            gammaJ[t] = sumLogZ / h - lse(mean, 0, v, 1.0);
            if (targets != null) {
                ledger[t] = sumTargetLogits - (logZ[t] - agg[targets[t]]);
            }
        }
        return new GapResult(b, h, extra != null, logZHeads, logZ, gamma, gammaJ, ledger, nonFinite);
    }

    // ---- section 4 -----------------------------------------------------------------------------

    @Override
    public MixtureGaps mixtureGaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c) {
        if (logits.rank() != 2) {
            throw new InputException("mixture: logits must be HxV for one token, got rank " + logits.rank());
        }
        int h = Math.toIntExact(logits.dim(0));
        int v = lastDim(logits, "mixture");
        if (h == 0) {
            throw new InputException("mixture: no heads (H = 0)");
        }
        if (beta.length != h) {
            throw new InputException("mixture: " + beta.length + " weights for " + h + " heads");
        }
        double sumBeta = 0;
        for (double w : beta) {
            if (!(w > 0)) {
                throw new InputException("mixture: weights must be > 0, got " + w);
            }
            sumBeta += w;
        }
        if (Math.abs(sumBeta - 1) > 1e-9) {
            throw new InputException("mixture: weights must sum to 1, they sum to " + sumBeta);
        }
        if (target < 0 || target >= v) {
            throw new InputException("mixture: target " + target + " is outside [0, " + v + ")");
        }
        double[][] pi = new double[h][];
        double[][] logPi = new double[h][];
        double[] mix = new double[v];
        for (int hh = 0; hh < h; hh++) {
            double[] row = logits.toDoubles((long) hh * v, v);
            double lz = lse(row, 0, v, 1.0);
            pi[hh] = new double[v];
            logPi[hh] = new double[v];
            for (int y = 0; y < v; y++) {
                logPi[hh][y] = row[y] - lz;
                pi[hh][y] = Math.exp(logPi[hh][y]);
                mix[y] += beta[hh] * pi[hh][y];
            }
        }
        double[] logMix = new double[v];
        for (int y = 0; y < v; y++) {
            logMix[y] = Math.log(mix[y]);
        }
        // ||pi^(h)||^2 and ||Pi||^2 once, so that Brier/spherical scores over all y cost O(H V), not O(H V^2)
        double[] norm2 = new double[h];
        for (int hh = 0; hh < h; hh++) {
            norm2[hh] = dot(pi[hh], pi[hh]);
        }
        double mixNorm2 = dot(mix, mix);
        double[] heads = new double[h];
        double cMax = Double.NEGATIVE_INFINITY;
        double mixed = 0;
        for (int hh = 0; hh < h; hh++) {
            heads[hh] = score(score, pi[hh], logPi[hh], target, norm2[hh]);
            mixed += beta[hh] * heads[hh];
            for (int y = 0; y < v; y++) {
                cMax = Math.max(cMax, score(score, pi[hh], logPi[hh], y, norm2[hh]));
            }
        }
        double cUsed = Double.isNaN(c) ? cMax : c;
        if (cUsed < cMax) {
            throw new InputException("mixture: c = " + c + " is below max S(pi^(h), y) = " + cMax);
        }
        double sMix = score(score, mix, logMix, target, mixNorm2);
        double[] contributions = new double[h];
        double sum = 0;
        for (int hh = 0; hh < h; hh++) {
            contributions[hh] = beta[hh] * (cUsed - heads[hh]);
            sum += contributions[hh];
        }
        double[] divergences = new double[h];
        for (int hh = 0; hh < h; hh++) {
            double dsum = 0;
            for (int y = 0; y < v; y++) {
                if (mix[y] > 0) {
                    dsum += mix[y] * (score(score, mix, logMix, y, mixNorm2) - score(score, pi[hh], logPi[hh], y, norm2[hh]));
                }
            }
            divergences[hh] = dsum;
        }
        return new MixtureGaps(score, sMix, heads, sMix - mixed, cUsed, contributions, sum, divergences);
    }

    /** S(p, y) for the three scores; logP holds log p (more accurate than log of p for tiny p). */
    static double score(MixtureGaps.Score score, double[] p, double[] logP, int y) {
        return score(score, p, logP, y, dot(p, p));
    }

    /** S(p, y) given ||p||^2. */
    static double score(MixtureGaps.Score score, double[] p, double[] logP, int y, double norm2) {
        return switch (score) {
            case LOG -> logP[y];
            case BRIER -> 2 * p[y] - norm2;
            case SPHERICAL -> p[y] / Math.sqrt(norm2);
        };
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    // ---- sections 3 and 4, fused over generated logits ---------------------------------------------

    /**
     * The oracle of the fused sweep op: for each token, every y in order, the H logits of y
     * ({@link SweepGap#logit}), folded into exact-order FP64 online states (per head: max, sum of exp,
     * sum of exp^2; the aggregate and the mean logits), then a second pass over the same draws for
     * sum_y (sum_h pi_h(y))^2. Memory O(H).
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
            int target = SweepLogits.target(t, spec.seed(), v);
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
                    double l = SweepGap.logit(law, t, k, h, v, y, target, spec.seed(), spec.sigma(), spec.margin(),
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
            double mixSq = 0;
            for (int y = 0; y < v; y++) {
                double s = 0;
                for (int k = 0; k < h; k++) {
                    s += Math.exp(SweepGap.logit(law, t, k, h, v, y, target, spec.seed(), spec.sigma(), spec.margin(),
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
                if (top.size() == k && k > 0) {
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
        if (omegas.length == 0) {
            throw new InputException("positional: no frequencies (m = 0)");
        }
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
