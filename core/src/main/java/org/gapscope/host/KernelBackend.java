package org.gapscope.host;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Capabilities;
import org.gapscope.api.Checks;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.CrowdingStates;
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
import org.gapscope.kernels.Attention;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.Crowding;
import org.gapscope.kernels.Grid;
import org.gapscope.kernels.JensenGap;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.LogSumExp;
import org.gapscope.kernels.MixtureGapSums;
import org.gapscope.kernels.Positional;
import org.gapscope.kernels.SweepGap;

/**
 * A backend that runs the kernel bodies of {@code org.gapscope.kernels} over a grid of work-items:
 * the host part of every op (copying rows into arrays, chunk counts, merge passes, the rows the bodies
 * leave out) lives here once. A {@link Launcher} decides how the
 * work-items run (in order on one thread, or over all cores); the hot partial passes are protected
 * methods that a faster backend ({@link CpuBackend}) replaces with Vector API code that keeps the
 * same chunks and states, so the merge order, and with it every result, does not depend on the
 * number of threads.
 *
 * <p>Chunk counts depend only on the sizes (ceil(n / chunkLength)), never on the thread count.
 *
 * <p>Rows, heads and tokens whose <em>input</em> holds ±inf or NaN (or an x/T that overflows) take the
 * special path: {@link Fp64Rows}, which states the conventions of docs/MATH.md section 1. The choice
 * is made from the input while it is read, never from a result: a row whose input is finite and whose
 * fast result is not is a bug in a pass, and is thrown as one ({@link #fastPathBug}), never recomputed.
 */
public class KernelBackend extends BaseBackend {

    /** Runs a body for work-items 0..items-1 (in any order: every item writes its own slots). */
    @FunctionalInterface
    public interface Launcher {
        void run(int items, Grid.Item body);
    }

    /** In order, on the calling thread: exactly what a test of the bodies wants. */
    public static final Launcher SEQUENTIAL = Grid::run;

    /** Over all cores (the common ForkJoin pool). */
    public static final Launcher PARALLEL = (items, body) -> {
        if (items == 1) {
            body.run(0);
        } else {
            IntStream.range(0, items).parallel().forEach(body::run);
        }
    };

    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Elements copied into arrays per batch on the body path (keeps arrays of ~32 MiB at most). */
    protected static final int BATCH_ELEMENTS = 1 << 22;

    protected final Launcher launcher;
    /** The one decomposition of every pass; the three fields below are its components, for brevity. */
    protected final Decomposition decomposition;
    protected final int layout;
    protected final int chunkLength;
    protected final int crowdingChunkLength;
    private int batchElements = BATCH_ELEMENTS;

    public KernelBackend(String name, Launcher launcher, Decomposition decomposition) {
        super(name, "host CPU, kernel bodies on one thread",
                new Capabilities(true, 1, false, "FP64 per chunk, chunk states merged in chunk order"), -1);
        this.launcher = launcher;
        this.decomposition = decomposition;
        this.layout = decomposition.layout();
        this.chunkLength = decomposition.chunk();
        this.crowdingChunkLength = decomposition.crowdingChunk();
    }

    /** A host backend: {@link Decomposition#host(int, int, int)}. */
    public KernelBackend(String name, Launcher launcher, int layout, int chunkLength, int crowdingChunkLength) {
        this(name, launcher, Decomposition.host(layout, chunkLength, crowdingChunkLength));
    }

    /**
     * Sets the number of elements copied into arrays per host batch (default {@link #BATCH_ELEMENTS}).
     * Results do not depend on it; tests make it small so that inputs span several batches and the
     * batch offsets are exercised without gigabytes of data.
     */
    public KernelBackend batchElements(int elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("batch elements must be >= 1, got " + elements);
        }
        this.batchElements = elements;
        return this;
    }

    /** Chunks of a row of n elements: ceil(n / chunkLength), at least 1. */
    protected int chunks(long n, int length) {
        return (int) Math.max(1, (n + length - 1) / length);
    }

    // ---- section 1 -----------------------------------------------------------------------------

    /**
     * A zero F64 result tensor: on the Java heap when it fits an array (its pages are reused from call
     * to call; fresh off-heap memory costs a page fault per 4 KiB on every call), else off-heap.
     */
    protected static Tensor newF64(long... shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n <= Integer.MAX_VALUE - 16 ? Tensor.of(new double[(int) n], shape) : Tensor.zeros(DType.F64, shape);
    }

    @Override
    public double[] logSumExp(Tensor x, double temperature) {
        Checks.temperature(temperature);
        int v = Checks.lastDim(x, "logSumExp");
        return lse(x, v, temperature, new boolean[Math.toIntExact(x.size() / v)]);
    }

    /**
     * Every row's LSE: {@link #lseRows} for all rows, which also marks the special ones (from their
     * input); those are replaced by {@link Fp64Rows#lse}, and every other row must come back finite.
     */
    private double[] lse(Tensor x, int v, double temperature, boolean[] special) {
        int rows = special.length;
        double[] out = new double[rows];
        int batch = Math.max(1, batchElements / v);
        for (int r0 = 0; r0 < rows; r0 += batch) {
            lseRows(x, r0, Math.min(batch, rows - r0), v, 1.0 / temperature, out, special);
        }
        for (int r = 0; r < rows; r++) {
            if (special[r]) {
                out[r] = Fp64Rows.lse(x.toDoubles((long) r * v, v), 0, v, temperature);
            } else if (!Double.isFinite(out[r])) {
                throw fastPathBug("logSumExp", "row", r, out[r]);
            }
        }
        return out;
    }

    /**
     * LSE of rows [r0, r0 + n) into out[r0 ...]: partial states per chunk, then the merge body. Sets
     * special[r0 + r] for every row whose input holds a value x with x/T not finite (NaN, ±inf, or an
     * overflow of x * invT); what this writes into out for those rows is ignored.
     */
    protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
        int chunks = chunks(v, chunkLength);
        double[] m = new double[n * chunks];
        double[] d = new double[n * chunks];
        if (x.dtype() == DType.F32) {
            float[] a = x.toFloats((long) r0 * v, n * v);
            for (int r = 0; r < n; r++) {
                special[r0 + r] = !scaledFinite(a, r * v, v, invT);
            }
            launcher.run(n * chunks, i -> LogSumExp.lsePartial(i, a, v, chunks, layout, invT, m, d));
        } else {
            double[] a = x.toDoubles((long) r0 * v, n * v);
            for (int r = 0; r < n; r++) {
                special[r0 + r] = !scaledFinite(a, r * v, v, invT);
            }
            launcher.run(n * chunks, i -> LogSumExp.lsePartial(i, a, v, chunks, layout, invT, m, d));
        }
        double[] res = new double[n];
        launcher.run(n, r -> LogSumExp.lseMerge(r, chunks, m, d, res));
        System.arraycopy(res, 0, out, r0, n);
    }

    /** Whether x * scale is finite for every x of a[from, from + n) (in FP64, as the bodies compute it). */
    protected static boolean scaledFinite(float[] a, int from, int n, double scale) {
        for (int i = from; i < from + n; i++) {
            if (!Double.isFinite(a[i] * scale)) {
                return false;
            }
        }
        return true;
    }

    protected static boolean scaledFinite(double[] a, int from, int n, double scale) {
        for (int i = from; i < from + n; i++) {
            if (!Double.isFinite(a[i] * scale)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The error for a row, head or token whose input is finite but whose fast result is not: a pass is
     * broken. Such a result is never replaced by a host recomputation, which would hide the broken pass.
     */
    protected final IllegalStateException fastPathBug(String op, String what, long index, double value) {
        return new IllegalStateException(name() + " " + op + ": " + what + " " + index + " has finite input but its"
                + " result is " + value + " (a bug in the backend's pass, not an input problem)");
    }

    /** The checks of softmax and log-softmax (temperature, rank, the output's shape); returns the row length. */
    protected static int rowwiseChecks(Tensor x, double temperature, boolean logSoftmax, Tensor result) {
        Checks.temperature(temperature);
        String name = logSoftmax ? "logSoftmax" : "softmax";
        int v = Checks.lastDim(x, name);
        if (result != null) {
            Checks.output(x, result, name);
        }
        return v;
    }

    /** The rows' LSE ({@link #lseRows}), then the writing pass ({@link #softmaxRows}); special rows on the host. */
    @Override
    protected Tensor rowwise(Tensor x, double temperature, boolean logSoftmax, Tensor result) {
        int log = logSoftmax ? 1 : 0;
        int v = rowwiseChecks(x, temperature, logSoftmax, result);
        boolean[] special = new boolean[Math.toIntExact(x.size() / v)];
        double[] lse = lse(x, v, temperature, special);
        int rows = lse.length;
        double invT = 1.0 / temperature;
        // softmaxRows writes F64; another output dtype gets the F64 result converted
        Tensor out = result != null && result.dtype() == DType.F64 ? result : newF64(x.shape());
        int batch = Math.max(1, batchElements / v);
        for (int r0 = 0; r0 < rows; r0 += batch) {
            int n = Math.min(batch, rows - r0);
            softmaxRows(x, r0, n, v, invT, lse, log, out);
        }
        double[] o = new double[v];
        for (int r = 0; r < rows; r++) {
            if (special[r]) {
                Fp64Rows.softmaxRow(x.toDoubles((long) r * v, v), temperature, log == 1, o);
                MemorySegment.copy(o, 0, out.segment(), DOUBLE, (long) r * v * 8, v);
            }
        }
        return result == null || result == out ? out : result.copyFrom(out);
    }

    /**
     * Writes softmax (log = 0) or log-softmax (log = 1) of rows [r0, r0 + n) into out, given every
     * row's LSE of x/T: exp(x/T - LSE) or x/T - LSE, as the softmaxWrite body computes it. Rows
     * that {@link #lseRows} marked special are written afterwards by {@link Fp64Rows#softmaxRow}.
     */
    protected void softmaxRows(Tensor x, int r0, int n, int v, double invT, double[] lse, int log, Tensor out) {
        int chunks = chunks(v, chunkLength);
        double[] l = Arrays.copyOfRange(lse, r0, r0 + n);
        double[] o = new double[n * v];
        if (x.dtype() == DType.F32) {
            float[] a = x.toFloats((long) r0 * v, n * v);
            launcher.run(n * chunks, i -> LogSumExp.softmaxWrite(i, a, v, chunks, layout, invT, l, log, o));
        } else {
            double[] a = x.toDoubles((long) r0 * v, n * v);
            launcher.run(n * chunks, i -> LogSumExp.softmaxWrite(i, a, v, chunks, layout, invT, l, log, o));
        }
        MemorySegment.copy(o, 0, out.segment(), DOUBLE, (long) r0 * v * 8, n * v);
    }

    // ---- section 2 -----------------------------------------------------------------------------

    @Override
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask) {
        Checks.AttentionShape s = Checks.attention(q, k, v);
        long heads = s.heads();
        int tq = Math.toIntExact(s.tq());
        int tk = Math.toIntExact(s.tk());
        int d = Math.toIntExact(s.d());
        int dv = Math.toIntExact(s.dv());
        Tensor out = newF64(s.outShape(q));
        Tensor lseOut = newF64(s.lseShape(q));
        int code = mask.code();
        long perHead = Math.max(1, Math.max((long) tq * Math.max(d, dv), (long) tk * Math.max(d, dv)));
        int batch = (int) Math.max(1, Math.min(heads, batchElements / perHead));
        for (long h0 = 0; h0 < heads; h0 += batch) {
            int nh = (int) Math.min(batch, heads - h0);
            double[] qa = q.toDoubles(h0 * tq * d, nh * tq * d);
            double[] ka = k.toDoubles(h0 * tk * d, nh * tk * d);
            double[] va = v.toDoubles(h0 * tk * dv, nh * tk * dv);
            double[] o = new double[nh * tq * dv];
            double[] l = new double[nh * tq];
            attentionHeads(qa, ka, va, nh, tq, tk, d, dv, scale, code, o, l);
            for (int h = 0; h < nh; h++) {
                if (!Fp64Rows.allFinite(qa, h * tq * d, tq * d) || !Fp64Rows.allFinite(ka, h * tk * d, tk * d)
                        || !Fp64Rows.allFinite(va, h * tk * dv, tk * dv)) {
                    Fp64Rows.attentionHead(qa, ka, va, h, tq, tk, d, dv, scale, mask, o, l);
                    continue;
                }
                for (int i = 0; i < tq; i++) {
                    int item = h * tq + i;
                    if (mask.keyLimit(i, tq, tk) == 0) {
                        l[item] = Double.NEGATIVE_INFINITY; // the body writes 0: no infinity constants there
                    } else if (!Double.isFinite(l[item]) || !Fp64Rows.allFinite(o, item * dv, dv)) {
                        throw fastPathBug("attention", "query", h0 * tq + item,
                                Double.isFinite(l[item]) ? Double.NaN : l[item]);
                    }
                }
            }
            MemorySegment.copy(o, 0, out.segment(), DOUBLE, h0 * tq * dv * 8, o.length);
            MemorySegment.copy(l, 0, lseOut.segment(), DOUBLE, h0 * tq * 8, l.length);
        }
        return new AttentionResult(out, lseOut);
    }

    /** Runs the attention body for nh heads held in the arrays. */
    protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv,
                                  double scale, int mask, double[] out, double[] lse) {
        launcher.run(nh * tq, i -> Attention.attention(i, q, k, v, tq, tk, d, dv, scale, mask, out, lse));
    }

    // ---- section 3 -----------------------------------------------------------------------------

    @Override
    public GapResult jensenGap(Tensor logits, Tensor extra, int[] targets) {
        Checks.GapShape s = Checks.gap(logits, extra, targets);
        int b = s.tokens();
        int h = s.heads();
        int v = s.vocab();
        double[] logZHeads = new double[b * h];
        double[] logZ = new double[b];
        double[] logZMean = new double[b];
        long[] nonFinite = new long[b];
        int batch = Math.max(1, batchElements / (h * v));
        for (int t0 = 0; t0 < b; t0 += batch) {
            gapTokens(logits, extra, t0, Math.min(batch, b - t0), h, v, logZHeads, logZ, logZMean, nonFinite);
        }
        for (int t = 0; t < b; t++) {
            if (nonFinite[t] > 0) {
                Fp64Rows.gapToken(logits, extra, t, h, v, logZHeads, logZ, logZMean);
                continue;
            }
            for (int hh = 0; hh < h; hh++) {
                if (!Double.isFinite(logZHeads[t * h + hh])) {
                    throw fastPathBug("jensenGap", "token", t, logZHeads[t * h + hh]);
                }
            }
            if (!Double.isFinite(logZ[t]) || !Double.isFinite(logZMean[t])) {
                throw fastPathBug("jensenGap", "token", t, Double.isFinite(logZ[t]) ? logZMean[t] : logZ[t]);
            }
        }
        return Fp64Rows.gapResult(logits, extra, targets, s, logZHeads, logZ, logZMean, nonFinite);
    }

    /**
     * Tokens [t0, t0 + n): log Z_h into logZHeads, log Z and log Z of the mean logits, and the count of
     * non-finite logits per token, counted from the input (tokens with a count &gt; 0 take the special path,
     * {@link Fp64Rows#gapToken}).
     */
    protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                             double[] logZ, double[] logZMean, long[] nonFinite) {
        int chunks = chunks(v, chunkLength);
        int items = n * chunks;
        double[] hm = new double[items * h];
        double[] hd = new double[items * h];
        double[] am = new double[items];
        double[] ad = new double[items];
        double[] mm = new double[items];
        double[] md = new double[items];
        int extraMode = extra == null ? 0 : extra.rank() == 2 ? 2 : 1;
        long extraFrom = extraMode == 2 ? (long) t0 * v : 0;
        int extraLen = extraMode == 0 ? 0 : extraMode == 2 ? n * v : v;
        if (logits.dtype() == DType.F32) {
            float[] a = logits.toFloats((long) t0 * h * v, n * h * v);
            float[] e = extra == null ? new float[1] : extra.toFloats(extraFrom, extraLen);
            launcher.run(items, i -> JensenGap.gapPartial(i, a, e, extraMode, h, v, chunks, layout, hm, hd, am, ad,
                    mm, md));
            for (int t = 0; t < n; t++) {
                nonFinite[t0 + t] = countNonFinite(a, t * h * v, h * v)
                        + (extraMode == 0 ? 0 : countNonFinite(e, extraMode == 2 ? t * v : 0, v));
            }
        } else {
            double[] a = logits.toDoubles((long) t0 * h * v, n * h * v);
            double[] e = extra == null ? new double[1] : extra.toDoubles(extraFrom, extraLen);
            launcher.run(items, i -> JensenGap.gapPartial(i, a, e, extraMode, h, v, chunks, layout, hm, hd, am, ad,
                    mm, md));
            for (int t = 0; t < n; t++) {
                nonFinite[t0 + t] = countNonFinite(a, t * h * v, h * v)
                        + (extraMode == 0 ? 0 : countNonFinite(e, extraMode == 2 ? t * v : 0, v));
            }
        }
        mergeGapPartials(t0, n, h, chunks, hm, hd, am, ad, mm, md, logZHeads, logZ, logZMean);
    }

    /**
     * Tokens [t0, t0 + n): merges the per-chunk partials of {@code JensenGap.gapPartial} (JensenGap.gapMerge)
     * and stores log Z_h, log Z and log Z of the mean logits at the tokens' places.
     */
    protected void mergeGapPartials(int t0, int n, int h, int chunks, double[] hm, double[] hd, double[] am, double[] ad,
                          double[] mm, double[] md, double[] logZHeads, double[] logZ, double[] logZMean) {
        double[] zh = new double[n * h];
        double[] z = new double[n];
        double[] zm = new double[n];
        launcher.run(n, t -> JensenGap.gapMerge(t, h, chunks, hm, hd, am, ad, mm, md, zh, z, zm));
        System.arraycopy(zh, 0, logZHeads, t0 * h, n * h);
        System.arraycopy(z, 0, logZ, t0, n);
        System.arraycopy(zm, 0, logZMean, t0, n);
    }

    protected static long countNonFinite(float[] a, int from, int n) {
        long c = 0;
        for (int i = from; i < from + n; i++) {
            if (!Float.isFinite(a[i])) {
                c++;
            }
        }
        return c;
    }

    protected static long countNonFinite(double[] a, int from, int n) {
        long c = 0;
        for (int i = from; i < from + n; i++) {
            if (!Double.isFinite(a[i])) {
                c++;
            }
        }
        return c;
    }

    // ---- section 4 (attribution, section 5, is BaseBackend's shared host code) -----------------

    /**
     * One token's mixture score gaps on the bodies: the checks of {@link Checks#mixture}; the heads' log
     * Z_h in FP64 ({@link #mixtureLogZ}, so the FP32 exp of a faster {@link #lseRows} never enters: the
     * bound is {@code ErrorBounds.mixtureGaps}); the sums of one pass
     * over chunks of y ({@link #mixtureGapsSums}); then the closed forms ({@link Mixture#fromSums}). A
     * token whose input holds ±inf or NaN takes the host's special path, {@link Mixture#gaps}.
     */
    @Override
    public MixtureGaps mixtureGaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c) {
        return mixtureGaps(logits, beta, target, List.of(score), c).get(0);
    }

    /** As the single form for each score (c = NaN), with log Z_h and the sums computed once for all. */
    @Override
    public List<MixtureGaps> mixtureGaps(Tensor logits, double[] beta, int target, List<MixtureGaps.Score> scores) {
        return mixtureGaps(logits, beta, target, scores, Double.NaN);
    }

    private List<MixtureGaps> mixtureGaps(Tensor logits, double[] beta, int target, List<MixtureGaps.Score> scores,
                                          double c) {
        Checks.MixtureShape s = Checks.mixture(logits, beta, target);
        if (scores.isEmpty()) {
            return List.of();
        }
        int h = s.heads();
        int v = s.vocab();
        double[] l = logits.toDoubles(0, Math.multiplyExact(h, v));
        if (!Fp64Rows.allFinite(l, 0, l.length)) {
            return scores.stream().map(score -> Mixture.gaps(logits, beta, target, score, c)).toList();
        }
        double[] logZ = new double[h];
        double[] top = new double[h];
        mixtureLogZ(l, h, v, logZ, top);
        double[] logPiTarget = new double[h];
        double[] logPiMax = new double[h];
        for (int hh = 0; hh < h; hh++) {
            if (!Double.isFinite(logZ[hh])) {
                throw fastPathBug("mixtureGaps", "head", hh, logZ[hh]);
            }
            logPiMax[hh] = top[hh] - logZ[hh];
            logPiTarget[hh] = l[hh * v + target] - logZ[hh];
        }
        double[] sums = mixtureGapsSums(l, h, v, logZ, beta);
        return scores.stream().map(score -> Mixture.fromSums(score, c, beta, logPiTarget, logPiMax, sums)).toList();
    }

    /**
     * log Z_h and the largest logit of every head of one token's finite FP64 logits l [H, V], within
     * {@code ErrorBounds.lseF64} (T = 1): here by the FP64 LSE bodies, {@code LogSumExp.lsePartial} per
     * chunk and its merge, the maximum over the chunks' maxima.
     */
    protected void mixtureLogZ(double[] l, int h, int v, double[] logZ, double[] top) {
        int chunks = chunks(v, chunkLength);
        double[] m = new double[h * chunks];
        double[] d = new double[h * chunks];
        launcher.run(h * chunks, i -> LogSumExp.lsePartial(i, l, v, chunks, layout, 1.0, m, d));
        launcher.run(h, r -> LogSumExp.lseMerge(r, chunks, m, d, logZ));
        for (int hh = 0; hh < h; hh++) {
            double mx = LogSumExp.LOWEST;
            for (int ch = 0; ch < chunks; ch++) {
                mx = Math.max(mx, m[hh * chunks + ch]);
            }
            top[hh] = mx;
        }
    }

    /**
     * The merged sums of {@link MixtureGapSums} for one token's finite logits l [H, V] given log Z_h: the
     * partial body per chunk of y, then the merge body in chunk order.
     */
    protected double[] mixtureGapsSums(double[] l, int h, int v, double[] logZ, double[] beta) {
        int chunks = chunks(v, chunkLength);
        int w = MixtureGapSums.width(h);
        double[] parts = new double[chunks * w];
        launcher.run(chunks, ch -> MixtureGapSums.mixtureGapsPartial(ch, l, h, v, chunks, layout, logZ, beta, parts));
        double[] sums = new double[w];
        launcher.run(w, k -> MixtureGapSums.mixtureGapsMerge(k, chunks, w, parts, sums));
        return sums;
    }

    // ---- sections 3 and 4, fused over generated logits ---------------------------------------------

    /** Per-head chunk states held at once by {@link #sweepGap} (x 3 doubles: 24 MiB). */
    public static final int SWEEP_STATES = 1 << 20;

    /**
     * Chunks per token of a sweep point: ceil(V / chunkLength), but at most max(64, 2^20 / H), so that
     * the states of one token stay within {@link #SWEEP_STATES}; from the sizes alone.
     */
    public int sweepChunks(int heads, int v) {
        int max = Math.max(64, SWEEP_STATES / heads);
        return Math.min(chunks(v, chunkLength), max);
    }

    /** Bound on items x H x H of the pair states a batch of {@link #sweepGap} holds (2^22: 32 MiB of doubles). */
    public static final long SWEEP_PAIR_STATES = 1L << 22;

    /**
     * Whether this backend's first pass keeps the heads' pair states for {@code heads} heads
     * ({@link #sweepGapPairPartials}), so that the Brier term needs no second pass. Default: no.
     */
    protected boolean sweepPairs(int heads) {
        return false;
    }

    /**
     * Tokens per batch when the pair states are kept: at most {@code batch}, and items x H x H (items =
     * tokens x chunks) within {@link #SWEEP_PAIR_STATES}; 0 when not even one token fits (then the second
     * pass runs instead).
     */
    static int sweepPairBatch(int batch, int chunks, int heads) {
        return (int) Math.min(batch, SWEEP_PAIR_STATES / ((long) chunks * heads * heads));
    }

    /**
     * The fused sweep op: tokens in batches whose chunk states fit {@link #SWEEP_STATES}; per batch the
     * first pass ({@link #sweepGapPartials}), the merge body on the host, the Brier term when spec.brier(),
     * and the per-token numbers ({@link SweepResult#token}). The Brier term comes from the heads' pair
     * states of the first pass ({@link #sweepGapPairPartials}, then {@link SweepGap#sweepGapPairBrier})
     * when the backend keeps them ({@link #sweepPairs}) and they fit ({@link #sweepPairBatch}), else from
     * a second pass that draws the logits again ({@link #sweepGapBriers}).
     */
    @Override
    public SweepResult sweepGap(SweepSpec spec) {
        int h = spec.heads();
        int v = spec.vocab();
        int chunks = sweepChunks(h, v);
        int tokens = Math.toIntExact(spec.tokens());
        int batch = (int) Math.max(1, Math.min(tokens, SWEEP_STATES / ((long) chunks * h)));
        boolean pairs = spec.brier() && sweepPairs(h) && sweepPairBatch(batch, chunks, h) > 0;
        if (pairs) {
            batch = sweepPairBatch(batch, chunks, h);
        }
        int pairsPerItem = h * (h - 1) / 2;
        long first = spec.firstToken(); // the stream's number of the spec's token 0
        int[] allTargets = SweepLogits.targets(first, tokens, spec.seed(), v);
        SweepResult r = SweepResult.empty(spec);
        for (int t0 = 0; t0 < tokens; t0 += batch) {
            int n = Math.min(batch, tokens - t0);
            int items = n * chunks;
            int[] targets = java.util.Arrays.copyOfRange(allTargets, t0, t0 + n);
            double[] hm = new double[items * h];
            double[] hd = new double[items * h];
            double[] hd2 = new double[items * h];
            double[] am = new double[items];
            double[] ad = new double[items];
            double[] mm = new double[items];
            double[] md = new double[items];
            double[] lt = new double[n * h];
            double[] pp = pairs ? new double[items * pairsPerItem] : null;
            if (pairs) {
                sweepGapPairPartials(spec, first + t0, n, chunks, targets, hm, hd, hd2, am, ad, mm, md, lt, pp);
            } else {
                sweepGapPartials(spec, first + t0, n, chunks, targets, hm, hd, hd2, am, ad, mm, md, lt);
            }
            double[] zh = new double[n * h];
            double[] z = new double[n];
            double[] zm = new double[n];
            double[] norm2 = new double[n * h];
            launcher.run(n, t -> SweepGap.sweepGapMerge(t, h, chunks, hm, hd, hd2, am, ad, mm, md, zh, z, zm, norm2));
            double[] mixSq = new double[items];
            if (pairs) {
                double[] weights = new double[items * h];
                launcher.run(items, i -> SweepGap.sweepGapPairBrier(i, h, chunks, hm, hd2, pp, zh, weights, mixSq));
            } else if (spec.brier()) {
                sweepGapBriers(spec, first + t0, n, chunks, targets, zh, mixSq);
            } else {
                java.util.Arrays.fill(mixSq, Double.NaN); // no second pass: brierGap NaN
            }
            for (int t = 0; t < n; t++) {
                double sq = 0;
                for (int c = 0; c < chunks; c++) {
                    sq += mixSq[t * chunks + c];
                }
                r.token(t0 + t, targets[t], zh, norm2, lt, t * h, z[t], zm[t], sq);
            }
        }
        return r;
    }

    /** First pass of the stream's tokens [t0, t0 + n) (t0 counts from the stream's token 0): the states of {@link SweepGap#sweepGapPartial} for every item. */
    protected void sweepGapPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                    double[] hd, double[] hd2, double[] am, double[] ad, double[] mm, double[] md,
                                    double[] lt) {
        int items = n * chunks;
        int[] scratch = new int[items * 4];
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        launcher.run(items, i -> SweepGap.sweepGapPartial(i, law, spec.heads(), spec.vocab(), chunks, layout, t0,
                spec.seed(), spec.sigma(), spec.margin(), cs, ce, spec.temperature(), targets, scratch, hm, hd, hd2,
                am, ad, mm, md, lt));
    }

    /**
     * {@link #sweepGapPartials} that also keeps every item's pair states, pairs[item H(H-1)/2 +
     * {@link SweepGap#pairIndex}] = sum over the item's y of exp(l_h - m_h) exp(l_k - m_k) for h &lt; k,
     * relative to the item's head maxima m_h in hm; called only when {@link #sweepPairs} says so.
     */
    protected void sweepGapPairPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                        double[] hd, double[] hd2, double[] am, double[] ad, double[] mm,
                                        double[] md, double[] lt, double[] pairs) {
        throw new UnsupportedOperationException(name() + " keeps no pair states");
    }

    /** Second pass of the stream's tokens [t0, t0 + n): mixSq per item ({@link SweepGap#sweepGapBrier}), given log Z_h. */
    protected void sweepGapBriers(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] logZHeads,
                                  double[] mixSq) {
        int items = n * chunks;
        int[] scratch = new int[items * 4];
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        launcher.run(items, i -> SweepGap.sweepGapBrier(i, law, spec.heads(), spec.vocab(), chunks, layout, t0,
                spec.seed(), spec.sigma(), spec.margin(), cs, ce, spec.temperature(), targets, scratch, logZHeads,
                mixSq));
    }

    // ---- section 7 -----------------------------------------------------------------------------

    @Override
    public CrowdingResult crowding(CrowdingSpec spec) {
        long distractors = spec.n() - 1;
        double scale = spec.mitigation().scoreScale(spec.n());
        double s = spec.s() * scale;
        int reps = spec.reps();
        double[] p = new double[reps];
        double[] lse = new double[reps];
        if (spec.mitigation().kind() == Mitigation.Kind.TOP_K) {
            crowdingTopK(spec, distractors, scale, s, p, lse);
            return new CrowdingResult(spec, p, lse);
        }
        if (distractors == 0) {
            Arrays.fill(p, 1.0);
            Arrays.fill(lse, Double.NEGATIVE_INFINITY);
            return new CrowdingResult(spec, p, lse);
        }
        int chunks = chunks(distractors, crowdingChunkLength);
        if ((long) chunks * reps > Integer.MAX_VALUE / 4) {
            throw new InputException("crowding: " + reps + " repetitions of N = " + spec.n() + " exceed one launch");
        }
        double[] m = new double[chunks * reps];
        double[] d = new double[chunks * reps];
        crowdingPartials(spec, distractors, chunks, 0, chunks, scale, m, d);
        launcher.run(reps, r -> Crowding.crowdingMerge(r, chunks, m, d, s, p, lse));
        return new CrowdingResult(spec, p, lse);
    }

    /**
     * Chunks [chunks index / ranges, chunks (index + 1) / ranges) of every repetition: the states
     * {@link #crowding} merges, from the same launch arithmetic ({@link #crowdingPartials}). Top-k, a point
     * without distractors, and a backend that cannot launch a share of the chunks
     * ({@link #crowdingSplits}) give the whole result in part 0.
     */
    @Override
    public CrowdingStates crowdingStates(CrowdingSpec spec, int index, int ranges) {
        long distractors = spec.n() - 1;
        if (spec.mitigation().kind() == Mitigation.Kind.TOP_K || distractors == 0 || !crowdingSplits()) {
            return CrowdingStates.whole(this, spec, index);
        }
        int chunks = chunks(distractors, crowdingChunkLength);
        if ((long) chunks * spec.reps() > Integer.MAX_VALUE / 4) {
            throw new InputException("crowding: " + spec.reps() + " repetitions of N = " + spec.n() + " exceed one launch");
        }
        int c0 = (int) ((long) chunks * index / ranges);
        int c1 = (int) ((long) chunks * (index + 1) / ranges);
        double[] m = new double[(c1 - c0) * spec.reps()];
        double[] d = new double[(c1 - c0) * spec.reps()];
        if (c1 > c0) {
            crowdingPartials(spec, distractors, chunks, c0, c1, spec.mitigation().scoreScale(spec.n()), m, d);
        }
        return new CrowdingStates(chunks, c0, c1, m, d, null, null);
    }

    /** Whether {@link #crowdingPartials} computes a share [c0, c1) of the chunks (else only all of them). */
    protected boolean crowdingSplits() {
        return true;
    }

    /**
     * Partial (m, d) states of chunks [c0, c1) of the {@code chunks} chunks of every repetition, at
     * m[r * (c1 - c0) + c - c0]: work-item r * chunks + c of the one-machine launch, whatever share is asked.
     */
    protected void crowdingPartials(CrowdingSpec spec, long distractors, int chunks, int c0, int c1, double scale,
                                    double[] m, double[] d) {
        int law = spec.law().kind().code;
        double a = spec.law().a();
        double b = spec.law().b();
        double c = spec.law().c();
        if (c0 == 0 && c1 == chunks) {
            int items = chunks * spec.reps();
            int[] scratch = new int[items * 4];
            launcher.run(items, i -> Crowding.crowdingPartial(i, distractors, chunks, layout, spec.firstRep(),
                    spec.seed(), law, a, b, c, scale, scratch, m, d));
            return;
        }
        // a share: one repetition at a time, the body's item = chunk ch of a one-repetition launch (repetition
        // firstRep + r), the same arithmetic as item r * chunks + ch of the whole launch
        int w = c1 - c0;
        int[] scratch = new int[chunks * 4];
        double[] mr = new double[chunks];
        double[] dr = new double[chunks];
        for (int r = 0; r < spec.reps(); r++) {
            int rep = spec.firstRep() + r;
            launcher.run(w, i -> Crowding.crowdingPartial(c0 + i, distractors, chunks, layout, rep, spec.seed(), law, a,
                    b, c, scale, scratch, mr, dr));
            System.arraycopy(mr, c0, m, r * w, w);
            System.arraycopy(dr, c0, d, r * w, w);
        }
    }

    /**
     * Top-k: only the k largest of all N scores enter the softmax. Each chunk keeps its k largest draws
     * (host code: selection is not a kernel), the chunks' lists are merged, and the relevant score
     * takes part when fewer than k distractors exceed it.
     */
    private void crowdingTopK(CrowdingSpec spec, long distractors, double scale, double s, double[] p,
                              double[] lse) {
        int k = (int) Math.min(Integer.MAX_VALUE - 8, (long) spec.mitigation().value());
        int chunks = chunks(distractors, crowdingChunkLength);
        int law = spec.law().kind().code;
        for (int r = 0; r < spec.reps(); r++) {
            int rep = spec.firstRep() + r;
            double[][] tops = new double[chunks][];
            launcher.run(chunks, ch -> {
                long from = ch * (long) crowdingChunkLength;
                long to = Math.min(distractors, from + crowdingChunkLength);
                int[] scratch = new int[4];
                PriorityQueue<Double> top = new PriorityQueue<>();
                for (long i = from; i < to; i++) {
                    double x = scale * Laws.draw(i, rep, spec.seed(), law, spec.law().a(), spec.law().b(),
                            spec.law().c(), scratch, 0);
                    if (top.size() < k) {
                        top.add(x);
                    } else if (x > top.peek()) {
                        top.poll();
                        top.add(x);
                    }
                }
                tops[ch] = top.stream().mapToDouble(Double::doubleValue).toArray();
            });
            double[] all = Arrays.stream(tops).flatMapToDouble(Arrays::stream).sorted().toArray();
            int count = Math.min(k, all.length);
            double[] kept = Arrays.copyOfRange(all, all.length - count, all.length); // ascending
            if (count == k && kept[0] > s) { // k >= 1 (Mitigation)
                p[r] = 0;
                lse[r] = Double.NEGATIVE_INFINITY;
                continue;
            }
            int from = count == k ? 1 : 0; // the smallest of the k gives way to s
            double l = kept.length - from == 0 ? Double.NEGATIVE_INFINITY
                    : Fp64Rows.lse(kept, from, kept.length - from, 1.0);
            lse[r] = l;
            p[r] = 1.0 / (1.0 + Math.exp(l - s));
        }
    }

    // ---- section 8 -----------------------------------------------------------------------------

    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        Checks.positional(omegas);
        double[] f = new double[deltas.length];
        launcher.run(deltas.length, i -> Positional.positional(i, omegas, omegas.length, deltas, f));
        return f;
    }
}
