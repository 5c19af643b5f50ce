package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.Capabilities;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Checks;
import org.gapscope.host.Fp64Rows;
import org.gapscope.host.KernelBackend;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.Grid;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.LogSumExp;
import org.gapscope.kernels.MixtureGapSums;

/**
 * The {@code cpu} backend: the kernel bodies' chunks and states over all cores (ForkJoin), with the
 * hot passes written with the Vector API ({@code jdk.incubator.vector}): the exp-sum of logSumExp,
 * the softmax/logSoftmax write, the fused Jensen-gap pass, the crowding draws and attention; the
 * positional sums run over all cores with java.lang.Math.cos. Merge passes, FP64 inputs of the row ops and Student-t draws run the kernel bodies
 * themselves (over all cores). Chunks have a
 * fixed length (4096 logits, 65536 distractors) and are merged in chunk order, so results do not
 * depend on the number of threads. Their exp, log, cos and sin ({@code VectorMath}) use only IEEE-exact
 * vector operations, so they do not depend on the JIT's state either (interpreted, C1 or C2): the same
 * input (or seed) gives the same bits on every run.
 *
 * <p>Error bounds (each stated and derived once in {@link org.gapscope.api.ErrorBounds}):
 * <ul>
 *   <li>logSumExp of FP32 data: the maximum is exact; x/T - m and exp are FP32, each chunk of &le; 4096
 *       terms is summed in {@link #floatLanes()} FP32 lanes and folded into FP64:
 *       {@code ErrorBounds.lseF32(CHUNK / floatLanes(), max|x/T|)}. FP64 data runs the FP64 bodies:
 *       {@code ErrorBounds.lseF64}. Softmax: exp(x/T - LSE) in FP64, relative error that of the LSE.</li>
 *   <li>jensenGap: each log Z_h as logSumExp; the head sum L and the aggregate's and mean's states in
 *       FP64 (exp in FP64): {@code ErrorBounds.gamma}.</li>
 *   <li>attention: F32 inputs in FP32, blocked flash-style ({@link FlashAttention}: FP32 inside blocks
 *       of at most {@code ErrorBounds.ATTENTION_BLOCK_KEYS} keys, FP64 per-query state and LSE); other
 *       inputs in FP64 (widened), two passes per query (scores, then exp and P V):
 *       {@code ErrorBounds.attention}.</li>
 *   <li>sweepGap: the heads' states as logSumExp (blocks of 512 y in FP32 lanes); with at most
 *       {@link #SWEEP_PAIR_HEADS} heads the Brier term's ||Pi||^2 comes from the heads' pair states of the
 *       first pass (FP32 products summed in FP32 lanes per block, FP64 across blocks):
 *       {@code ErrorBounds.sweepPairs(sweepPairTermsPerLane(), max|l|)} on top of the heads' LSE errors;
 *       more heads draw the logits again in a second pass (FP64).</li>
 *   <li>mixtureGaps: F32 and F64 logits held as FP64; log Z_h in FP64 Vector API lanes (a max pass, then
 *       the exp-sum), then one pass of FP64 lanes per chunk for the sums of the closed forms:
 *       {@code ErrorBounds.mixtureGaps}.</li>
 *   <li>crowding: FP64 draws (VectorMath: log within 1 ulp of java.lang.Math, cos/sin of 2 pi u within 2 ulp) and FP64 (m, d)
 *       states per block of 256 draws: {@code ErrorBounds.CROWDING}; positional sums:
 *       {@code ErrorBounds.POSITIONAL}.</li>
 * </ul>
 */
public class CpuBackend extends KernelBackend {

    /** Logits per chunk: 16 KiB of FP32, an L1-resident block re-read by the exp pass. */
    public static final int CHUNK = 4096;
    /** Distractors per chunk of the crowding simulation. */
    public static final int CROWDING_CHUNK = 65536;

    /** FP32 lanes of the vector passes on this JVM and CPU (16 with AVX-512, 8 with AVX2). */
    public static int floatLanes() {
        return VectorPasses.floatLanes();
    }

    public CpuBackend() {
        super("cpu", PARALLEL, Chunks.CONTIGUOUS, CHUNK, CROWDING_CHUNK);
    }

    @Override
    public String device() {
        return "host CPU, " + Runtime.getRuntime().availableProcessors() + " threads, Vector API "
                + VectorPasses.vectorBits() + "-bit";
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, Runtime.getRuntime().availableProcessors(), false,
                "FP32 exp in blocks of <= 4096 folded into FP64; Gamma head sums, crowding in FP64");
    }

    @Override
    public int priority() {
        return 10;
    }

    /** The Vector API is an incubator module: it must be resolved at JVM start. */
    @Override
    public boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public String unavailableReason() {
        return available() ? "" : "the JVM was started without --add-modules jdk.incubator.vector (scripts/gapscope adds it)";
    }

    // ---- logSumExp -----------------------------------------------------------------------------

    /** The exp-sum pass over FP32 chunks; its first pass over a chunk also checks the chunk's input. */
    @Override
    protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
        if (x.dtype() != DType.F32) {
            super.lseRows(x, r0, n, v, invT, out, special);
            return;
        }
        int chunks = chunks(v, CHUNK);
        double[] m = new double[n * chunks];
        double[] d = new double[n * chunks];
        boolean[] finite = new boolean[n * chunks];
        MemorySegment seg = x.segment();
        float invTf = (float) invT;
        launcher.run(n * chunks, item -> {
            int row = item / chunks;
            int c = item % chunks;
            long start = Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            long off = ((long) (r0 + row) * v + start) * 4;
            finite[item] = VectorPasses.expSum(seg, off, count, invTf, m, d, item);
        });
        for (int item = 0; item < n * chunks; item++) {
            special[r0 + item / chunks] |= !finite[item];
        }
        double[] res = new double[n];
        launcher.run(n, r -> mergeRow(r, chunks, m, d, res));
        System.arraycopy(res, 0, out, r0, n);
    }

    /**
     * Row r's LSE from its chunk states ({@code LogSumExp.lseMerge}): the last step of every FP32 row pass
     * (logSumExp, softmax, log-softmax). A seam, as {@link #lseRows} is, so that a test can plant a broken
     * pass and see the backend and the harness reject it.
     */
    protected void mergeRow(int r, int chunks, double[] m, double[] d, double[] out) {
        LogSumExp.lseMerge(r, chunks, m, d, out);
    }

    /**
     * Softmax of F32 rows in fused passes, as a C loop does it. Into an F32 output: per chunk of 4096 one
     * pass for the max and one that writes exp(x/T - m_chunk) and sums it (the chunk states are
     * logSumExp's, so the LSE is the same bits); after the row's merge, one pass multiplies each chunk by
     * exp(m_chunk - LSE). Into an F64 output the second pass writes exp(x/T - LSE) in FP64 instead (FP32's
     * exp would flush probabilities below e^-104 that FP64 holds). With at least twice as many rows as
     * threads a row is one work item (its chunks then stay in cache between the passes); else the chunks
     * are, in two rounds. Both give the same bits. Into a caller's output no result is allocated. Rows
     * whose input holds ±inf or NaN (or an x/T that overflows) are special, as in {@link KernelBackend}:
     * written by {@link Fp64Rows#softmaxRow}; any other row must have a finite LSE. Error:
     * {@code ErrorBounds.softmax} and {@code ErrorBounds.logSoftmax}.
     */
    @Override
    protected Tensor rowwise(Tensor x, double temperature, boolean logSoftmax, Tensor result) {
        if (x.dtype() != DType.F32) {
            return super.rowwise(x, temperature, logSoftmax, result);
        }
        int log = logSoftmax ? 1 : 0;
        int v = rowwiseChecks(x, temperature, logSoftmax, result);
        Tensor out = result != null ? result : newF64(x.shape());
        boolean f32 = out.dtype() == DType.F32;
        int rows = Math.toIntExact(x.size() / v);
        int chunks = chunks(v, CHUNK);
        double[] m = new double[rows * chunks];
        double[] d = new double[rows * chunks];
        boolean[] finite = new boolean[rows * chunks];
        boolean[] special = new boolean[rows];
        double[] lse = new double[rows];
        double invT = 1.0 / temperature;
        float invTf = (float) invT;
        MemorySegment in = x.segment();
        MemorySegment o = out.segment();
        Grid.Item first = item -> {
            int row = item / chunks;
            int c = item % chunks;
            long start = (long) row * v + Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            finite[item] = log == 0 && f32
                    ? VectorPasses.softmaxExpChunk(in, o, start, count, invTf, m, d, item)
                    : VectorPasses.expSum(in, start * 4, count, invTf, m, d, item);
        };
        Grid.Item merge = r -> {
            boolean s = false;
            for (int c = 0; c < chunks; c++) {
                s |= !finite[r * chunks + c];
            }
            special[r] = s;
            mergeRow(r, chunks, m, d, lse);
        };
        Grid.Item second = item -> {
            int row = item / chunks;
            int c = item % chunks;
            if (special[row] || !Double.isFinite(lse[row])) {
                return; // special: written below from the input; else thrown below
            }
            long start = (long) row * v + Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            if (log == 0 && f32) {
                VectorPasses.scaleChunk(o, start, count, Math.exp(m[item] - lse[row]));
            } else if (log == 0) { // F64 output: exp(x/T - LSE) in FP64, so tiny probabilities keep FP64's range
                VectorPasses.softmaxChunk(in, o, start, count, invT, lse[row], 0);
            } else if (f32) {
                VectorPasses.logSoftmaxF32Chunk(in, o, start, count, invTf, lse[row]);
            } else {
                VectorPasses.softmaxChunk(in, o, start, count, invT, lse[row], 1);
            }
        };
        if (rows >= 2 * Runtime.getRuntime().availableProcessors()) {
            launcher.run(rows, r -> {
                for (int c = 0; c < chunks; c++) {
                    first.run(r * chunks + c);
                }
                merge.run(r);
                for (int c = 0; c < chunks; c++) {
                    second.run(r * chunks + c);
                }
            });
        } else {
            launcher.run(rows * chunks, first);
            launcher.run(rows, merge);
            launcher.run(rows * chunks, second);
        }
        double[] row = null;
        for (int r = 0; r < rows; r++) {
            if (special[r]) {
                row = row == null ? new double[v] : row;
                Fp64Rows.softmaxRow(x.toDoubles((long) r * v, v), temperature, log == 1, row);
                for (int i = 0; i < v; i++) {
                    out.set((long) r * v + i, row[i]);
                }
            } else if (!Double.isFinite(lse[r])) {
                throw fastPathBug(logSoftmax ? "logSoftmax" : "softmax", "row", r, lse[r]);
            }
        }
        return out;
    }

    // ---- attention -----------------------------------------------------------------------------

    /**
     * Attention of F32 inputs in FP32 ({@link FlashAttention}: blocked over keys, register-tiled Q K^T and
     * P V, FP64 (m, l), output state and LSE), over all cores in work-items of (head, block of queries).
     * A head whose input is not finite, or so large that an FP32 score or block sum might overflow
     * ({@link #fp32Fits}), takes the special path ({@link Fp64Rows#attentionHead}), decided from the input;
     * a query of any other head that sees a key and comes back non-finite is a bug in the pass, thrown.
     * Other dtypes: {@link KernelBackend#attention} (FP64, {@link #attentionHeads}).
     */
    @Override
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask) {
        if (q.dtype() != DType.F32 || k.dtype() != DType.F32 || v.dtype() != DType.F32
                || FlashAttention.keyBlock() > ErrorBounds.ATTENTION_BLOCK_KEYS) {
            return super.attention(q, k, v, scale, mask);
        }
        Checks.AttentionShape s = Checks.attention(q, k, v);
        int nh = Math.toIntExact(s.heads());
        int tq = Math.toIntExact(s.tq());
        int tk = Math.toIntExact(s.tk());
        int d = Math.toIntExact(s.d());
        int dv = Math.toIntExact(s.dv());
        Tensor out = newF64(s.outShape(q));
        Tensor lse = newF64(s.lseShape(q));
        if (out.size() == 0) {
            return new AttentionResult(out, lse);
        }
        boolean[] fast = new boolean[nh];
        launcher.run(nh, h -> fast[h] = fp32Fits(q, k, v, h, tq, tk, d, dv, scale));
        int code = mask.code();
        attentionPass(q, k, v, nh, tq, tk, d, dv, scale, code, fast, out, lse);
        for (int h = 0; h < nh; h++) {
            if (!fast[h]) {
                Fp64Rows.attentionHead(q, k, v, h, s, scale, mask, out, lse);
                continue;
            }
            for (int i = 0; i < tq; i++) {
                long item = (long) h * tq + i;
                if (mask.keyLimit(i, tq, tk) == 0) {
                    continue;
                }
                double li = lse.get(item);
                boolean ok = Double.isFinite(li);
                for (int c = 0; c < dv && ok; c++) {
                    ok = Double.isFinite(out.get(item * dv + c));
                }
                if (!ok) {
                    throw fastPathBug("attention", "query", item, Double.isFinite(li) ? Double.NaN : li);
                }
            }
        }
        return new AttentionResult(out, lse);
    }

    /**
     * The FP32 pass ({@link FlashAttention}) over the heads marked in {@code fast}, into out and lse. A seam,
     * as {@link #attentionHeads} is, so that a test can plant a broken pass and see it rejected.
     */
    protected void attentionPass(Tensor q, Tensor k, Tensor v, int nh, int tq, int tk, int d, int dv, double scale,
                                 int mask, boolean[] fast, Tensor out, Tensor lse) {
        FlashAttention.run(q.segment(), k.segment(), v.segment(), nh, tq, tk, d, dv, scale, mask, fast, out.segment(),
                lse.segment(), launcher);
    }

    /**
     * Whether head h can run in FP32: every input finite, scale finite in FP32, the dot products and the
     * scores below 2^100 (|q . k| &le; d max|q| max|k|, times the scale when it exceeds 1) and a block's
     * P V &le; W max|v| &lt; 2^100 (FP32 overflows at 2^128).
     */
    private static boolean fp32Fits(Tensor q, Tensor k, Tensor v, int h, int tq, int tk, int d, int dv, double scale) {
        double mq = VectorScan.maxAbs(q.segment(), (long) h * tq * d * 4, tq * d);
        double mk = VectorScan.maxAbs(k.segment(), (long) h * tk * d * 4, tk * d);
        double mv = VectorScan.maxAbs(v.segment(), (long) h * tk * dv * 4, tk * dv);
        float sc = (float) scale;
        return Float.isFinite(sc) && Double.isFinite(mq + mk + mv)
                && (double) d * mq * mk * Math.max(1, Math.abs(scale)) < 0x1p100 && FlashAttention.keyBlock() * mv < 0x1p100;
    }

    /**
     * The attention body's arithmetic in two vector passes per query: scores against a transposed copy
     * of K (vector over keys, so no horizontal sums and a fixed order), max, exp and sum over keys, then
     * out += p_j v_j (vector over the value dimension). FP64 throughout; the result differs from the
     * online body only by rounding (tk 2^-53 relative).
     */
    @Override
    protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv,
                                  double scale, int mask, double[] out, double[] lse) {
        int lanes = VectorPasses.doubleLanes();
        int blocks = (tk + lanes - 1) / lanes;
        // K transposed in blocks of `lanes` keys: [head][block][c][lane], zero-padded, so the scores of a
        // block of keys accumulate in one register from contiguous loads.
        double[] kt = new double[nh * blocks * d * lanes];
        launcher.run(nh, h -> {
            for (int j = 0; j < tk; j++) {
                int blk = j / lanes;
                int ln = j % lanes;
                for (int c = 0; c < d; c++) {
                    kt[((h * blocks + blk) * d + c) * lanes + ln] = k[(h * tk + j) * d + c];
                }
            }
        });
        launcher.run(nh * tq, item -> VectorPasses.attentionItem(item, q, kt, v, tq, tk, d, dv, blocks, scale, mask,
                out, lse));
    }

    // ---- jensenGap -----------------------------------------------------------------------------

    @Override
    protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                             double[] logZ, double[] logZMean, long[] nonFinite) {
        if (logits.dtype() != DType.F32 || (extra != null && extra.dtype() != DType.F32)) {
            super.gapTokens(logits, extra, t0, n, h, v, logZHeads, logZ, logZMean, nonFinite);
            return;
        }
        int chunks = chunks(v, CHUNK);
        int items = n * chunks;
        double[] hm = new double[items * h];
        double[] hd = new double[items * h];
        double[] am = new double[items];
        double[] ad = new double[items];
        double[] mm = new double[items];
        double[] md = new double[items];
        long[] bad = new long[items];
        MemorySegment seg = logits.segment();
        MemorySegment ex = extra == null ? null : extra.segment();
        boolean extraPerToken = extra != null && extra.rank() == 2;
        launcher.run(items, item -> {
            int t = t0 + item / chunks;
            int c = item % chunks;
            int start = (int) Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            bad[item] = VectorPasses.gapItem(item, seg, ex, extraPerToken, t, h, v, start, count, hm, hd, am, ad, mm, md);
        });
        mergeGapPartials(t0, n, h, chunks, hm, hd, am, ad, mm, md, logZHeads, logZ, logZMean);
        for (int item = 0; item < items; item++) {
            nonFinite[t0 + item / chunks] += bad[item];
        }
    }

    // ---- mixtureGaps ---------------------------------------------------------------------------

    /**
     * log Z_h and the heads' maxima in FP64 Vector API lanes, a head per work-item over all cores: the exact
     * maximum, then the sum of exp(l - max) ({@link VectorDraws#blockExpSum}, the crowding blocks' FP64
     * exp-sum: within {@code ErrorBounds.lseF64}), log Z_h = max + log of it.
     */
    @Override
    protected void mixtureLogZ(double[] l, int h, int v, double[] logZ, double[] top) {
        launcher.run(h, hh -> {
            double m = VectorPasses.max(l, hh * v, v);
            top[hh] = m;
            logZ[hh] = m + Math.log(VectorDraws.blockExpSum(l, hh * v, v, m));
        });
    }

    /**
     * The sums of {@code MixtureGapSums} over the same contiguous chunks of {@link #CHUNK} y, in FP64
     * Vector API lanes ({@link VectorPasses#mixtureGapsPartial}; F32 and F64 logits alike, both held as
     * FP64 by {@link KernelBackend#mixtureGaps}), over all cores; the merge body adds them in chunk order.
     */
    @Override
    protected double[] mixtureGapsSums(double[] l, int h, int v, double[] logZ, double[] beta) {
        int chunks = chunks(v, CHUNK);
        int w = MixtureGapSums.width(h);
        double[] parts = new double[chunks * w];
        launcher.run(chunks, c -> VectorPasses.mixtureGapsPartial(l, h, v,
                (int) Chunks.start(v, chunks, c, Chunks.CONTIGUOUS), (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS),
                logZ, beta, parts, c * w));
        double[] sums = new double[w];
        launcher.run(w, k -> MixtureGapSums.mixtureGapsMerge(k, chunks, w, parts, sums));
        return sums;
    }

    // ---- matmul --------------------------------------------------------------------------------

    /** FP32, Vector API, register-tiled column panels over all cores ({@link Gemm}). */
    @Override
    public DType matmulType() {
        return DType.F32;
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB, Tensor out) {
        return Gemm.multiply(a, b, transposeB, out, launcher);
    }

    // ---- positional ----------------------------------------------------------------------------

    /** The positional body's sums in blocks of 1024 offsets over all cores (same order over k, Math.cos). */
    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        Checks.positional(omegas);
        double[] f = new double[deltas.length];
        int block = 1024;
        int blocks = (deltas.length + block - 1) / block;
        launcher.run(blocks, blk -> VectorPasses.positionalBlock(omegas, deltas, blk * block,
                Math.min(deltas.length, (blk + 1) * block), f));
        return f;
    }

    // ---- crowding ------------------------------------------------------------------------------

    @Override
    protected void crowdingPartials(CrowdingSpec spec, long distractors, int chunks, int c0, int c1, double scale,
                                    double[] m, double[] d) {
        int law = spec.law().kind().code;
        if (law == Laws.STUDENT_T) {
            super.crowdingPartials(spec, distractors, chunks, c0, c1, scale, m, d);
            return;
        }
        double a = spec.law().a();
        double b = spec.law().b();
        double c = spec.law().c();
        long seed = spec.seed();
        int w = c1 - c0;
        launcher.run(w * spec.reps(), item -> {
            int r = item / w;
            int ch = c0 + item % w;
            long start = Chunks.start(distractors, chunks, ch, Chunks.CONTIGUOUS);
            long count = Chunks.count(distractors, chunks, ch, Chunks.CONTIGUOUS);
            VectorDraws.drawChunk(start, count, spec.firstRep() + r, seed, law, a, b, c, scale, m, d, item);
        });
    }


    // ---- sweepGap ------------------------------------------------------------------------------

    /**
     * Most heads for which the sweep's first pass keeps the heads' pair states, so that the Brier term needs
     * no second pass (VectorDraws.blockPairs): the pair sums cost (H - 1) / 2 fused FP32 products per logit,
     * the second pass a new draw of every logit (Philox, Box-Muller, exp); the pair states' memory grows as
     * H^2 per item (KernelBackend.SWEEP_PAIR_STATES bounds a batch). Measured per logit on one core (AVX-512,
     * gaussian, chunks of 4096; thread CPU time): the first pass 3.6 ns, the second pass 4.0 ns, the pair sums
     * 0.4 ns at H = 32, 0.8 ns at 64, 1.6 ns at 128, 3.3 ns at 256 (nearly as dear as the second pass, with
     * 4 MiB of pair states per thread): kept up to 128 heads. The system property {@code gapscope.sweepPairHeads} sets another limit
     * (the determinism test runs both paths on few heads with it; 0: always the second pass).
     */
    public static final int SWEEP_PAIR_HEADS = Integer.getInteger("gapscope.sweepPairHeads", 128);

    /** FP32 terms per lane of a block's pair sums (VectorDraws.blockPairs): for {@code ErrorBounds.sweepPairs}. */
    public static int sweepPairTermsPerLane() {
        return VectorDraws.SWEEP_BLOCK / VectorDraws.FS.length();
    }

    @Override
    protected boolean sweepPairs(int heads) {
        return VectorDraws.SWEEP_VECTOR && heads <= SWEEP_PAIR_HEADS;
    }

    /** The sweep's first pass with the Vector API (draws in Gaussian pairs, see VectorDraws.normals). */
    @Override
    protected void sweepGapPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                    double[] hd, double[] hd2, double[] am, double[] ad, double[] mm, double[] md,
                                    double[] lt) {
        if (!VectorDraws.SWEEP_VECTOR) {
            super.sweepGapPartials(spec, t0, n, chunks, targets, hm, hd, hd2, am, ad, mm, md, lt);
            return;
        }
        sweepGapPairPartials(spec, t0, n, chunks, targets, hm, hd, hd2, am, ad, mm, md, lt, null);
    }

    /**
     * The sweep's first pass with the Vector API, keeping the heads' pair states when pairs is not null
     * (VectorDraws.blockPairs).
     */
    @Override
    protected void sweepGapPairPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                        double[] hd, double[] hd2, double[] am, double[] ad, double[] mm,
                                        double[] md, double[] lt, double[] pairs) {
        int h = spec.heads();
        int v = spec.vocab();
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        sweepChunks(v, n, chunks, (item, t, start, count) ->
            VectorDraws.sweepGapItem(law, t0 + t, h, v, start, count, targets[t], spec.seed(), spec.sigma(),
                    spec.margin(), cs, ce, spec.temperature(), hm, hd, hd2, am, ad, mm, md, item, lt, t * h, pairs));
    }

    /** The sweep's second pass with the Vector API. */
    @Override
    protected void sweepGapBriers(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] logZHeads,
                                  double[] mixSq) {
        if (!VectorDraws.SWEEP_VECTOR) {
            super.sweepGapBriers(spec, t0, n, chunks, targets, logZHeads, mixSq);
            return;
        }
        int h = spec.heads();
        int v = spec.vocab();
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        sweepChunks(v, n, chunks, (item, t, start, count) ->
            mixSq[item] = VectorDraws.sweepGapBrierItem(law, t0 + t, h, v, start, count, targets[t], spec.seed(),
                    spec.sigma(), spec.margin(), cs, ce, spec.temperature(), logZHeads, t * h));
    }

    /** A sweep pass's work on one (token, chunk of y) item = t * chunks + c: y in [start, start + count). */
    @FunctionalInterface
    private interface SweepChunk {
        void run(int item, int t, long start, int count);
    }

    /** Runs both sweep passes' work-items in the contiguous layout the vector passes read. */
    private void sweepChunks(int v, int n, int chunks, SweepChunk body) {
        launcher.run(n * chunks, item -> {
            int c = item % chunks;
            body.run(item, item / chunks, Chunks.start(v, chunks, c, Chunks.CONTIGUOUS),
                    (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS));
        });
    }
}
