package org.gapscope.model;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;
import org.gapscope.api.Backend;
import org.gapscope.api.DType;
import org.gapscope.api.GapResult;
import org.gapscope.api.Tensor;

/**
 * The Jensen gap of a transformer over all its heads at the full vocabulary (docs/MATH.md section 10).
 *
 * <p>The per-head logits are one matrix product, the rows of {@link Transformer.Decomposition} times
 * W_U^T. It runs in fixed vocabulary blocks of {@link #BLOCK} columns ({@link Backend#matmul} into one
 * reused buffer); each block goes at once into the fused Gamma pass ({@link Backend#jensenGap} with the
 * extra logits, and once more per layer), and the blocks' log-sum-exps are merged in block order in
 * FP64. So the head logits of all positions are never held at once, and the result does not depend
 * on threads. The model's own logits (the last rows) are kept, and compared with the sum of the parts.
 */
public final class ModelGap {
    private ModelGap() {}

    /** Vocabulary columns per block: fixed, so the blocking (and the bits) never depend on the machine. */
    public static final int BLOCK = 1024;

    /**
     * Per chosen position pi: the results; {@code logits[pi]} the model's final logits (FP64 copy of the
     * product's entries); {@code ledger[pi]} NaN where no target.
     */
    public record Result(int positions, int layers, int headsPerLayer, int vocab, double[] gamma, double[] gammaJ,
                         double[] logZ, double[] logZHeads, double[] gammaLayers, double[] maxLogitError,
                         double[] ledger, double[][] logits) {
        public int heads() {
            return layers * headsPerLayer;
        }
    }

    /**
     * @param targets null or one y* per chosen position (negative: none)
     */
    public static Result run(Backend be, Transformer model, long[] tokens, int[] positions, int[] targets) {
        Transformer.Decomposition dec = model.decompose(be, tokens, positions);
        ModelConfig cfg = model.config();
        int np = dec.positions();
        int h = dec.heads();
        int d = dec.hidden();
        int nl = cfg.layers();
        int nh = cfg.heads();
        int vocab = cfg.vocab();
        int rows = np * (h + 2);
        DType dt = be.matmulType();
        Tensor a = dt == DType.F64 ? Tensor.of(dec.rows(), rows, d) : Tensor.of(toFloats(dec.rows()), rows, d);
        Tensor wu = model.unembedding();
        long wuBytes = wu.dtype().bytes;
        int block = Math.min(BLOCK, vocab);
        Tensor buffer = Tensor.zeros(dt, rows, block);
        MemorySegment buf = buffer.segment();
        // running (max, sum) of the block log-sum-exps, merged in block order
        double[] hm = fill(np * h);
        double[] hs = new double[np * h];
        double[] zm = fill(np);
        double[] zs = new double[np];
        double[] mm = fill(np);
        double[] ms = new double[np];
        double[] lm = fill(np * nl);
        double[] ls = new double[np * nl];
        double[] maxErr = new double[np];
        double[][] logits = new double[np][vocab];
        double[] yHeads = new double[np];
        double[] yTotal = new double[np];
        for (int v0 = 0; v0 < vocab; v0 += block) {
            int vb = Math.min(block, vocab - v0);
            Tensor wBlock = new Tensor(wu.dtype(), wu.segment().asSlice((long) v0 * d * wuBytes, (long) vb * d * wuBytes), vb, d);
            Tensor c = new Tensor(dt, buf, rows, vb);
            be.matmul(a, wBlock, true, c);
            long hb = (long) np * h * vb * dt.bytes;
            Tensor headLogits = new Tensor(dt, buf.asSlice(0, hb), np, h, vb);
            Tensor extra = new Tensor(dt, buf.asSlice(hb, (long) np * vb * dt.bytes), np, vb);
            GapResult g = be.jensenGap(headLogits, extra, null);
            GapResult gl = be.jensenGap(headLogits.reshape((long) np * nl, nh, vb), null, null);
            for (int pi = 0; pi < np; pi++) {
                double sum = 0;
                for (int j = 0; j < h; j++) {
                    merge(hm, hs, pi * h + j, g.logZHeads()[pi * h + j]);
                    sum += g.logZHeads()[pi * h + j];
                }
                merge(zm, zs, pi, g.logZ()[pi]);
                merge(mm, ms, pi, sum / h - g.gammaJ()[pi]); // log Z of the mean head logits in this block
                for (int li = 0; li < nl; li++) {
                    merge(lm, ls, pi * nl + li, gl.logZ()[pi * nl + li]);
                }
            }
            final int fv0 = v0;
            IntStream.range(0, np).parallel().forEach(pi -> {
                double err = maxErr[pi];
                long fo = (long) (np * h + np + pi) * vb;
                long eo = (long) (np * h + pi) * vb;
                for (int y = 0; y < vb; y++) {
                    double s = 0;
                    for (int j = 0; j < h; j++) {
                        s += c.get((long) (pi * h + j) * vb + y);
                    }
                    s += c.get(eo + y);
                    double f = c.get(fo + y);
                    logits[pi][fv0 + y] = f;
                    err = Math.max(err, Math.abs(s - f));
                    if (targets != null && targets[pi] == fv0 + y) {
                        yHeads[pi] = s - c.get(eo + y);
                        yTotal[pi] = s;
                    }
                }
                maxErr[pi] = err;
            });
        }
        double[] logZHeads = new double[np * h];
        double[] logZ = new double[np];
        double[] gamma = new double[np];
        double[] gammaJ = new double[np];
        double[] gammaLayers = new double[np * nl];
        double[] ledger = new double[np];
        for (int pi = 0; pi < np; pi++) {
            double sum = 0;
            for (int j = 0; j < h; j++) {
                logZHeads[pi * h + j] = finish(hm, hs, pi * h + j);
                sum += logZHeads[pi * h + j];
            }
            logZ[pi] = finish(zm, zs, pi);
            gamma[pi] = sum - logZ[pi];
            gammaJ[pi] = sum / h - finish(mm, ms, pi);
            for (int li = 0; li < nl; li++) {
                double s = 0;
                for (int hh = 0; hh < nh; hh++) {
                    s += logZHeads[pi * h + li * nh + hh];
                }
                gammaLayers[pi * nl + li] = s - finish(lm, ls, pi * nl + li);
            }
            // ledger = sum_h p_h - p_{H+1}, p_h = log Z_h - l_h[y*], p_{H+1} = log Z - L[y*] (the identity
            // ledger = gamma + extra[y*] holds up to rounding)
            ledger[pi] = targets == null || targets[pi] < 0 ? Double.NaN : (sum - yHeads[pi]) - (logZ[pi] - yTotal[pi]);
        }
        return new Result(np, nl, nh, vocab, gamma, gammaJ, logZ, logZHeads, gammaLayers, maxErr, ledger, logits);
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    private static double[] fill(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NEGATIVE_INFINITY);
        return a;
    }

    /** Adds exp(x) to the running sum s[i] exp(m[i]) (FP64, StrictMath: same bits everywhere). */
    static void merge(double[] m, double[] s, int i, double x) {
        if (Double.isNaN(x)) {
            m[i] = Double.NaN;
            return;
        }
        if (x == Double.NEGATIVE_INFINITY || Double.isNaN(m[i])) {
            return;
        }
        if (x == Double.POSITIVE_INFINITY || m[i] == Double.POSITIVE_INFINITY) {
            m[i] = Double.POSITIVE_INFINITY;
            s[i] = 1;
            return;
        }
        if (x > m[i]) {
            s[i] = s[i] * StrictMath.exp(m[i] - x) + 1;
            m[i] = x;
        } else {
            s[i] += StrictMath.exp(x - m[i]);
        }
    }

    static double finish(double[] m, double[] s, int i) {
        if (Double.isNaN(m[i]) || Double.isInfinite(m[i])) {
            return m[i];
        }
        return m[i] + StrictMath.log(s[i]);
    }
}
