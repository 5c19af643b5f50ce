package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.api.Capabilities;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.JensenGap;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.LogSumExp;

/**
 * The {@code cpu} backend: the kernel bodies' chunks and states over all cores (ForkJoin), with the
 * hot passes written with the Vector API ({@code jdk.incubator.vector}): the exp-sum of logSumExp,
 * the softmax/logSoftmax write, the fused Jensen-gap pass, the crowding draws and attention. Merge
 * passes, positional sums, FP64 inputs of the row ops and Student-t draws run the kernel bodies
 * themselves (over all cores). Chunks have a
 * fixed length (4096 logits, 65536 distractors) and are merged in chunk order, so results do not
 * depend on the number of threads: the same input (or seed) gives the same bits on every run.
 *
 * <p>Error bounds (FP32 inputs; FP64 inputs run the FP64 bodies, error ~ n 2^-53):
 * <ul>
 *   <li>logSumExp: the maximum is exact; x/T - m and exp are FP32 (relative error ~ 2^-24 |x/T - m| per
 *       term, ~1e-7 for the terms that matter), each chunk of &le; 4096 terms is summed in 16 FP32 lanes
 *       (256 terms per lane: &le; 256 * 2^-24 = 1.5e-5 relative worst case, ~1e-6 typical) and folded
 *       into FP64. So |LSE error| &le; 2e-5 + 6e-8 |x/T|max. Softmax: exp(x/T - LSE) in FP64, relative
 *       error that of the LSE.</li>
 *   <li>jensenGap: each log Z_h as logSumExp; the head sum L and the aggregate's and mean's states in
 *       FP64 (exp in FP64). |Gamma error| &le; H * 2e-5.</li>
 *   <li>attention: FP64 (inputs widened), two passes per query (scores, then exp and P V): relative
 *       error ~ tk 2^-53, as the online body.</li>
 *   <li>crowding: FP64 draws (vector log/sqrt/cos within 1 ulp of java.lang.Math, so scores agree with
 *       the reference to ~1e-15 relative) and FP64 (m, d) states per block of 256 draws: relative
 *       error of sum e^X ~ 1e-12 at N = 10^8.</li>
 * </ul>
 */
public final class CpuBackend extends KernelBackend {

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Logits per chunk: 16 KiB of FP32, an L1-resident block re-read by the exp pass. */
    public static final int CHUNK = 4096;
    /** Distractors per chunk of the crowding simulation. */
    public static final int CROWDING_CHUNK = 65536;
    /** Draws per block (one max, one exp pass) inside a crowding chunk. */
    static final int BLOCK = 256;

    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[CHUNK + 64]);

    public CpuBackend() {
        super("cpu", PARALLEL, Chunks.CONTIGUOUS, CHUNK, CROWDING_CHUNK);
    }

    @Override
    public String device() {
        return "host CPU, " + Runtime.getRuntime().availableProcessors() + " threads, Vector API "
                + FS.vectorBitSize() + "-bit";
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

    // ---- logSumExp -----------------------------------------------------------------------------

    @Override
    protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out) {
        if (x.dtype() != DType.F32) {
            super.lseRows(x, r0, n, v, invT, out);
            return;
        }
        int chunks = chunks(v, CHUNK);
        double[] m = new double[n * chunks];
        double[] d = new double[n * chunks];
        MemorySegment seg = x.segment();
        float invTf = (float) invT;
        launcher.run(n * chunks, item -> {
            int row = item / chunks;
            int c = item % chunks;
            long start = Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            long off = ((long) (r0 + row) * v + start) * 4;
            expSum(seg, off, count, invTf, m, d, item);
        });
        double[] res = new double[n];
        launcher.run(n, r -> LogSumExp.lseMerge(r, chunks, m, d, res));
        System.arraycopy(res, 0, out, r0, n);
    }

    /**
     * (m, d) of count FP32 values at byte offset off, scaled by invT: m = max x*invT (FP32, exact
     * maximum of the rounded values), d = sum exp(x*invT - m) with FP32 exp in vector lanes, the lanes
     * summed in FP64 in lane order.
     */
    static void expSum(MemorySegment seg, long off, int count, float invT, double[] m, double[] d, int slot) {
        int bound = FS.loopBound(count);
        int lanes = FS.length();
        float mx = -Float.MAX_VALUE;
        if (bound > 0) {
            FloatVector vmax = FloatVector.broadcast(FS, -Float.MAX_VALUE);
            for (int i = 0; i < bound; i += lanes) {
                vmax = vmax.max(FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE));
            }
            mx = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (int i = bound; i < count; i++) {
            mx = Math.max(mx, seg.get(FLOAT, off + 4L * i));
        }
        float ms = mx * invT;
        double s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(FS);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector y = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
                acc = acc.add(y.mul(invT).sub(ms).lanewise(VectorOperators.EXP));
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            s += Math.exp((double) (seg.get(FLOAT, off + 4L * i) * invT - ms));
        }
        m[slot] = ms;
        d[slot] = s;
    }

    @Override
    protected void softmaxRows(Tensor x, int r0, int n, int v, double invT, double[] lse, int log, Tensor out) {
        if (x.dtype() != DType.F32 || FS.length() != 2 * DS.length()) {
            super.softmaxRows(x, r0, n, v, invT, lse, log, out);
            return;
        }
        int chunks = chunks(v, CHUNK);
        MemorySegment in = x.segment();
        MemorySegment o = out.segment();
        launcher.run(n * chunks, item -> {
            int row = r0 + item / chunks;
            int c = item % chunks;
            long start = Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
            int count = (int) Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
            long base = (long) row * v + start;
            double l = lse[row];
            int lanes = FS.length();
            int dl = DS.length();
            int bound = FS.loopBound(count);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector f = FloatVector.fromMemorySegment(FS, in, (base + i) * 4, LE);
                DoubleVector y0 = ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0)).mul(invT).sub(l);
                DoubleVector y1 = ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 1)).mul(invT).sub(l);
                if (log == 0) {
                    y0 = y0.lanewise(VectorOperators.EXP);
                    y1 = y1.lanewise(VectorOperators.EXP);
                }
                y0.intoMemorySegment(o, (base + i) * 8, LE);
                y1.intoMemorySegment(o, (base + i + dl) * 8, LE);
            }
            for (int i = bound; i < count; i++) {
                double y = in.get(FLOAT, (base + i) * 4) * invT - l;
                o.set(DOUBLE, (base + i) * 8, log == 0 ? Math.exp(y) : y);
            }
        });
    }

    // ---- attention -----------------------------------------------------------------------------

    private static final ThreadLocal<double[][]> SCORES = ThreadLocal.withInitial(() -> new double[1][0]);

    /**
     * The attention body's arithmetic in two vector passes per query: scores against a transposed copy
     * of K (vector over keys, so no horizontal sums and a fixed order), max, exp and sum over keys, then
     * out += p_j v_j (vector over the value dimension). FP64 throughout; the result differs from the
     * online body only by rounding (tk 2^-53 relative).
     */
    @Override
    protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv,
                                  double scale, int mask, double[] out, double[] lse) {
        int lanes = DS.length();
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
        launcher.run(nh * tq, item -> {
            int h = item / tq;
            int i = item % tq;
            int limit = org.gapscope.kernels.Attention.keyLimit(i, tq, tk, mask);
            int oOff = item * dv;
            if (limit == 0) {
                lse[item] = 0.0;
                return;
            }
            double[][] holder = SCORES.get();
            if (holder[0].length < blocks * lanes) {
                holder[0] = new double[blocks * lanes];
            }
            double[] sc = holder[0];
            int qOff = item * d;
            int used = (limit + lanes - 1) / lanes;
            for (int blk = 0; blk < used; blk++) {
                DoubleVector acc = DoubleVector.zero(DS);
                int base = (h * blocks + blk) * d * lanes;
                for (int c = 0; c < d; c++) {
                    acc = DoubleVector.fromArray(DS, kt, base + c * lanes).mul(q[qOff + c]).add(acc);
                }
                acc.mul(scale).intoArray(sc, blk * lanes);
            }
            int bound = limit - limit % lanes;
            double m = LogSumExp.LOWEST;
            for (int j = 0; j < limit; j++) {
                m = Math.max(m, sc[j]);
            }
            double l = 0;
            if (bound > 0) {
                DoubleVector sum = DoubleVector.zero(DS);
                for (int j = 0; j < bound; j += lanes) {
                    DoubleVector p = DoubleVector.fromArray(DS, sc, j).sub(m).lanewise(VectorOperators.EXP);
                    p.intoArray(sc, j);
                    sum = sum.add(p);
                }
                for (int t = 0; t < lanes; t++) {
                    l += sum.lane(t);
                }
            }
            for (int j = bound; j < limit; j++) {
                sc[j] = Math.exp(sc[j] - m);
                l += sc[j];
            }
            int cb = dv - dv % lanes;
            int vBase = h * tk * dv;
            double inv = 1.0 / l;
            for (int c = 0; c < cb; c += lanes) { // one register accumulator per block of lanes
                DoubleVector acc = DoubleVector.zero(DS);
                for (int j = 0; j < limit; j++) {
                    acc = DoubleVector.fromArray(DS, v, vBase + j * dv + c).mul(sc[j]).add(acc);
                }
                acc.mul(inv).intoArray(out, oOff + c);
            }
            for (int c = cb; c < dv; c++) {
                double acc = 0;
                for (int j = 0; j < limit; j++) {
                    acc = v[vBase + j * dv + c] * sc[j] + acc;
                }
                out[oOff + c] = acc * inv;
            }
            lse[item] = m + Math.log(l);
        });
    }

    // ---- jensenGap -----------------------------------------------------------------------------

    @Override
    protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                             double[] logZ, double[] logZMean, long[] nonFinite) {
        if (logits.dtype() != DType.F32 || (extra != null && extra.dtype() != DType.F32)
                || FS.length() != 2 * DS.length()) {
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
            double[] agg = SCRATCH.get();
            long nf = 0;
            for (int hh = 0; hh < h; hh++) {
                long off = (((long) t * h + hh) * v + start) * 4;
                nf += headPass(seg, off, count, hh == 0, agg, hm, hd, item * h + hh);
            }
            double invH = 1.0 / h;
            // the mean logits (heads only): state of agg / H
            aggState(agg, count, invH, mm, md, item);
            if (ex != null) {
                long eoff = ((extraPerToken ? (long) t * v : 0) + start) * 4;
                nf += addExtra(ex, eoff, count, agg);
            }
            aggState(agg, count, 1.0, am, ad, item);
            bad[item] = nf;
        });
        double[] zh = new double[n * h];
        double[] z = new double[n];
        double[] zm = new double[n];
        launcher.run(n, t -> JensenGap.gapMerge(t, h, chunks, hm, hd, am, ad, mm, md, zh, z, zm));
        System.arraycopy(zh, 0, logZHeads, t0 * h, n * h);
        System.arraycopy(z, 0, logZ, t0, n);
        System.arraycopy(zm, 0, logZMean, t0, n);
        for (int item = 0; item < items; item++) {
            nonFinite[t0 + item / chunks] += bad[item];
        }
    }

    /**
     * One head's chunk: its (m, d) state as in {@link #expSum} and agg[y] (+)= l_y in FP64. Returns
     * the number of non-finite logits (|x| &gt; MAX_VALUE or NaN).
     */
    static long headPass(MemorySegment seg, long off, int count, boolean first, double[] agg, double[] m,
                         double[] d, int slot) {
        int lanes = FS.length();
        int bound = FS.loopBound(count);
        int dl = DS.length();
        float mx = -Float.MAX_VALUE;
        long nf = 0;
        FloatVector vmax = FloatVector.broadcast(FS, -Float.MAX_VALUE);
        for (int i = 0; i < bound; i += lanes) {
            FloatVector y = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
            vmax = vmax.max(y);
            nf += y.abs().compare(VectorOperators.LE, Float.MAX_VALUE).not().trueCount();
            DoubleVector y0 = (DoubleVector) y.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector y1 = (DoubleVector) y.convertShape(VectorOperators.F2D, DS, 1);
            if (first) {
                y0.intoArray(agg, i);
                y1.intoArray(agg, i + dl);
            } else {
                DoubleVector.fromArray(DS, agg, i).add(y0).intoArray(agg, i);
                DoubleVector.fromArray(DS, agg, i + dl).add(y1).intoArray(agg, i + dl);
            }
        }
        if (bound > 0) {
            mx = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < count; i++) {
            float y = seg.get(FLOAT, off + 4L * i);
            mx = Math.max(mx, y);
            if (!Float.isFinite(y)) {
                nf++;
            }
            agg[i] = first ? y : agg[i] + y;
        }
        double s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(FS);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector y = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
                acc = acc.add(y.sub(mx).lanewise(VectorOperators.EXP));
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            s += Math.exp((double) (seg.get(FLOAT, off + 4L * i) - mx));
        }
        m[slot] = mx;
        d[slot] = s;
        return nf;
    }

    static long addExtra(MemorySegment ex, long off, int count, double[] agg) {
        long nf = 0;
        for (int i = 0; i < count; i++) {
            float e = ex.get(FLOAT, off + 4L * i);
            if (!Float.isFinite(e)) {
                nf++;
            }
            agg[i] += e;
        }
        return nf;
    }

    /** (m, d) of agg[0, count) * scale in FP64 (vector exp, lanes summed in lane order). */
    static void aggState(double[] agg, int count, double scale, double[] m, double[] d, int slot) {
        int lanes = DS.length();
        int bound = DS.loopBound(count);
        double mx = LogSumExp.LOWEST;
        if (bound > 0) {
            DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
            for (int i = 0; i < bound; i += lanes) {
                vmax = vmax.max(DoubleVector.fromArray(DS, agg, i));
            }
            mx = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < count; i++) {
            mx = Math.max(mx, agg[i]);
        }
        double ms = mx * scale;
        double s = 0;
        if (bound > 0) {
            DoubleVector acc = DoubleVector.zero(DS);
            for (int i = 0; i < bound; i += lanes) {
                acc = acc.add(DoubleVector.fromArray(DS, agg, i).mul(scale).sub(ms).lanewise(VectorOperators.EXP));
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            s += Math.exp(agg[i] * scale - ms);
        }
        m[slot] = ms;
        d[slot] = s;
    }

    // ---- crowding ------------------------------------------------------------------------------

    @Override
    protected void crowdingPartials(CrowdingSpec spec, long distractors, int chunks, double scale, double[] m,
                                    double[] d) {
        int law = spec.law().kind().code;
        if (law == Laws.STUDENT_T || LS.length() != DS.length()) {
            super.crowdingPartials(spec, distractors, chunks, scale, m, d);
            return;
        }
        double a = spec.law().a();
        double b = spec.law().b();
        double c = spec.law().c();
        long seed = spec.seed();
        launcher.run(chunks * spec.reps(), item -> {
            int r = item / chunks;
            int ch = item % chunks;
            long start = Chunks.start(distractors, chunks, ch, Chunks.CONTIGUOUS);
            long count = Chunks.count(distractors, chunks, ch, Chunks.CONTIGUOUS);
            drawChunk(start, count, spec.firstRep() + r, seed, law, a, b, c, scale, m, d, item);
        });
    }

    static final long MASK32 = 0xFFFFFFFFL;
    static final long M0 = 0xD2511F53L;
    static final long M1 = 0xCD9E8D57L;
    static final int W0 = 0x9E3779B9;
    static final int W1 = 0xBB67AE85;

    /** Draws distractors [start, start + count) of repetition rep in blocks and reduces them to (m, d). */
    static void drawChunk(long start, long count, int rep, long seed, int law, double a, double b, double c,
                          double scale, double[] m, double[] d, int slot) {
        double[] buf = SCRATCH.get();
        int lanes = LS.length();
        long[] iota = new long[lanes];
        for (int l = 0; l < lanes; l++) {
            iota[l] = l;
        }
        LongVector lane = LongVector.fromArray(LS, iota, 0);
        int s0 = (int) seed;
        int s1 = (int) (seed >> 32);
        LongVector x2init = LongVector.broadcast(LS, rep & MASK32);
        double mx = LogSumExp.LOWEST;
        double sum = 0;
        int[] scratch = new int[4];
        for (long b0 = 0; b0 < count; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, count - b0);
            int vecLen = len - len % lanes;
            DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
            for (int i = 0; i < vecLen; i += lanes) {
                LongVector idx = lane.add(start + b0 + i);
                LongVector x0 = idx.and(MASK32);
                LongVector x1 = idx.lanewise(VectorOperators.ASHR, 32).and(MASK32);
                LongVector x2 = x2init;
                LongVector x3 = LongVector.zero(LS);
                int k0 = s0;
                int k1 = s1;
                for (int round = 0; round < 10; round++) {
                    LongVector p0 = x0.mul(M0);
                    LongVector p1 = x2.mul(M1);
                    LongVector nx0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x1)
                            .lanewise(VectorOperators.XOR, k0 & MASK32);
                    LongVector nx2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x3)
                            .lanewise(VectorOperators.XOR, k1 & MASK32);
                    x1 = p1.and(MASK32);
                    x3 = p0.and(MASK32);
                    x0 = nx0;
                    x2 = nx2;
                    k0 += W0;
                    k1 += W1;
                }
                DoubleVector u1 = uniform(x0, x1);
                DoubleVector x;
                if (law == Laws.GAUSSIAN) {
                    DoubleVector u2 = uniform(x2, x3);
                    DoubleVector rad = u1.lanewise(VectorOperators.LOG).mul(-2.0).lanewise(VectorOperators.SQRT);
                    DoubleVector cos = u2.mul(6.283185307179586).lanewise(VectorOperators.COS);
                    x = rad.mul(b).mul(cos).add(a);
                } else if (law == Laws.GUMBEL) {
                    x = u1.lanewise(VectorOperators.LOG).neg().lanewise(VectorOperators.LOG).mul(-b).add(a);
                } else if (law == Laws.UNIFORM) {
                    x = u1.mul(b - a).add(a);
                } else {
                    x = u1.lanewise(VectorOperators.LOG).div(b).neg().add(a);
                }
                x = x.mul(scale);
                vmax = vmax.max(x);
                x.intoArray(buf, i);
            }
            // block state, folded into the running state
            double bm = vecLen > 0 ? vmax.reduceLanes(VectorOperators.MAX) : LogSumExp.LOWEST;
            for (int i = vecLen; i < len; i++) {
                buf[i] = scale * Laws.draw(start + b0 + i, rep, seed, law, a, b, c, scratch, 0);
                bm = Math.max(bm, buf[i]);
            }
            int dl = DS.length();
            int bound = len - len % dl;
            double bs = 0;
            if (bound > 0) {
                DoubleVector acc = DoubleVector.zero(DS);
                for (int i = 0; i < bound; i += dl) {
                    acc = acc.add(DoubleVector.fromArray(DS, buf, i).sub(bm).lanewise(VectorOperators.EXP));
                }
                for (int l = 0; l < dl; l++) {
                    bs += acc.lane(l);
                }
            }
            for (int i = bound; i < len; i++) {
                bs += Math.exp(buf[i] - bm);
            }
            if (bm > mx) {
                sum = sum * Math.exp(mx - bm) + bs;
                mx = bm;
            } else {
                sum += bs * Math.exp(bm - mx);
            }
        }
        m[slot] = mx;
        d[slot] = sum;
    }

    /** Philox words (hi, lo) to a double in (0, 1), exactly as {@code Philox.uniform}. */
    static DoubleVector uniform(LongVector hi, LongVector lo) {
        LongVector j = hi.lanewise(VectorOperators.LSHR, 5).lanewise(VectorOperators.LSHL, 26)
                .add(lo.lanewise(VectorOperators.LSHR, 6));
        return ((DoubleVector) j.convert(VectorOperators.L2D, 0)).add(0.5).mul(1.1102230246251565E-16);
    }
}
