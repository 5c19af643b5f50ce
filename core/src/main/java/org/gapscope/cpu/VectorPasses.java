package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.gapscope.host.KernelBackend;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.kernels.LogSumExp;

/**
 * The Vector API passes of the {@link CpuBackend}, one static method per work-item, with signatures
 * free of vector types: CpuBackend itself never names a jdk.incubator.vector class, so it loads (and
 * reports itself unavailable) in a JVM started without {@code --add-modules jdk.incubator.vector}.
 */
final class VectorPasses {
    private VectorPasses() {}

    // The preferred species of every element type have one shape (VectorShape.preferredShape()): a float
    // vector has twice the lanes of a double vector and a long vector as many, on every machine. The
    // passes rely on it (VectorPassesTest checks it).
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat FLOAT = KernelBackend.FLOAT;
    static final ValueLayout.OfDouble DOUBLE = KernelBackend.DOUBLE;

    /** Draws per block (one max, one exp pass) inside a crowding chunk. */
    static final int BLOCK = 256;

    private static final ThreadLocal<double[]> SCRATCH =
            ThreadLocal.withInitial(() -> new double[CpuBackend.CHUNK + 64]);
    private static final ThreadLocal<double[][]> SCORES = ThreadLocal.withInitial(() -> new double[1][0]);

    static int doubleLanes() {
        return DS.length();
    }

    static int floatLanes() {
        return FS.length();
    }

    static int vectorBits() {
        return FS.vectorBitSize();
    }

    /**
     * The largest and smallest of count FP32 values at byte offset off, packed as {@link #rangeMax} and
     * {@link #rangeMin} read them: one pass, four independent max and min chains (Math.max/min semantics,
     * so a NaN anywhere makes both NaN). The pass that checks a chunk's input and finds its maximum.
     */
    static long range(MemorySegment seg, long off, int count) {
        int lanes = FS.length();
        int bound = FS.loopBound(count);
        float mx = -Float.MAX_VALUE;
        float mn = Float.MAX_VALUE;
        if (bound > 0) {
            FloatVector a0 = FloatVector.broadcast(FS, -Float.MAX_VALUE);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = FloatVector.broadcast(FS, Float.MAX_VALUE);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            int i = 0;
            for (; i + 4 * lanes <= bound; i += 4 * lanes) {
                FloatVector y0 = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
                FloatVector y1 = FloatVector.fromMemorySegment(FS, seg, off + 4L * (i + lanes), LE);
                FloatVector y2 = FloatVector.fromMemorySegment(FS, seg, off + 4L * (i + 2 * lanes), LE);
                FloatVector y3 = FloatVector.fromMemorySegment(FS, seg, off + 4L * (i + 3 * lanes), LE);
                a0 = a0.max(y0);
                a1 = a1.max(y1);
                a2 = a2.max(y2);
                a3 = a3.max(y3);
                b0 = b0.min(y0);
                b1 = b1.min(y1);
                b2 = b2.min(y2);
                b3 = b3.min(y3);
            }
            for (; i < bound; i += lanes) {
                FloatVector y = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
                a0 = a0.max(y);
                b0 = b0.min(y);
            }
            mx = a0.max(a1).max(a2.max(a3)).reduceLanes(VectorOperators.MAX); // exact in any order
            mn = b0.min(b1).min(b2.min(b3)).reduceLanes(VectorOperators.MIN);
        }
        for (int i = bound; i < count; i++) {
            float y = seg.get(FLOAT, off + 4L * i);
            mx = Math.max(mx, y);
            mn = Math.min(mn, y);
        }
        return ((long) Float.floatToRawIntBits(mx) << 32) | (Float.floatToRawIntBits(mn) & 0xFFFFFFFFL);
    }

    static float rangeMax(long range) {
        return Float.intBitsToFloat((int) (range >>> 32));
    }

    static float rangeMin(long range) {
        return Float.intBitsToFloat((int) range);
    }

    /**
     * Whether x * invT (FP32) is finite for every x of a chunk with this {@link #range}: the rounded
     * product is monotone in x (invT &gt; 0), so it overflows somewhere only if it does at the maximum or
     * the minimum, and a NaN or an infinity shows in them too.
     */
    static boolean rangeFinite(long range, float invT) {
        return Float.isFinite(rangeMax(range) * invT) && Float.isFinite(rangeMin(range) * invT);
    }

    /**
     * (m, d) of count FP32 values at byte offset off, scaled by invT: m = max x*invT (FP32, exact
     * maximum of the rounded values), d = sum exp(x*invT - m) with FP32 exp in vector lanes ({@link
     * VectorMath#expNonPositive}), the lanes summed in FP64 in lane order. Two passes over the chunk (it
     * stays in L1 between them): {@link #range}, then the exp-sum. Returns whether the chunk's input is
     * one the pass can take ({@link #rangeFinite}): when not, what it wrote is to be ignored.
     */
    static boolean expSum(MemorySegment seg, long off, int count, float invT, double[] m, double[] d, int slot) {
        long range = range(seg, off, count);
        int bound = FS.loopBound(count);
        int lanes = FS.length();
        float ms = rangeMax(range) * invT;
        double s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(FS);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector y = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, LE);
                acc = acc.add(VectorMath.expNonPositive(y.mul(invT).sub(ms)));
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            s += expTail(seg.get(FLOAT, off + 4L * i) * invT - ms);
        }
        m[slot] = ms;
        d[slot] = s;
        return rangeFinite(range, invT);
    }

    /** A tail element's term: exp in FP64 of the FP32 difference, flushed below 2^-126 as {@link VectorMath#expNonPositive}. */
    static double expTail(float x) {
        return x < VectorMath.EXP_FLUSH_F ? 0.0 : Math.exp(x);
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
                acc = acc.add(VectorMath.expNonPositive(y.sub(mx)));
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            s += expTail(seg.get(FLOAT, off + 4L * i) - mx);
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
        double ms = max(agg, count) * scale;
        double s = 0;
        if (bound > 0) {
            DoubleVector acc = DoubleVector.zero(DS);
            for (int i = 0; i < bound; i += lanes) {
                acc = acc.add(VectorMath.exp(DoubleVector.fromArray(DS, agg, i).mul(scale).sub(ms)));
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

    /**
     * Softmax's fused pass over one chunk of count FP32 values from element base into an F32 output: the
     * chunk's (m, d) state exactly as {@link #expSum} computes it (so the row's LSE equals logSumExp's, bit
     * for bit), and each term exp(x invT - m) written to out[base + i]; {@link #scaleChunk} then multiplies
     * them by exp(m - LSE). Returns whether the chunk's input is one the pass can take ({@link #rangeFinite}).
     */
    static boolean softmaxExpChunk(MemorySegment in, MemorySegment o, long base, int count, float invT, double[] m,
                                   double[] d, int slot) {
        int bound = FS.loopBound(count);
        int lanes = FS.length();
        long off = base * 4;
        long range = range(in, off, count);
        float ms = rangeMax(range) * invT;
        double s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(FS);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector x = FloatVector.fromMemorySegment(FS, in, off + 4L * i, LE).mul(invT).sub(ms);
                FloatVector e = VectorMath.exp(x); // written: FP32's whole range, subnormals included
                acc = acc.add(e.blend(0f, x.compare(VectorOperators.LT, VectorMath.EXP_FLUSH_F))); // summed as expSum
                e.intoMemorySegment(o, (base + i) * 4, LE);
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            float x = in.get(FLOAT, off + 4L * i) * invT - ms;
            s += expTail(x);
            o.set(FLOAT, (base + i) * 4, (float) Math.exp((double) x));
        }
        m[slot] = ms;
        d[slot] = s;
        return rangeFinite(range, invT);
    }

    /** F32 out[base, base + count) *= the FP32 rounding of scale. */
    static void scaleChunk(MemorySegment o, long base, int count, double scale) {
        float sf = (float) scale;
        int bound = FS.loopBound(count);
        for (int i = 0; i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, o, (base + i) * 4, LE).mul(sf).intoMemorySegment(o, (base + i) * 4, LE);
        }
        for (int i = bound; i < count; i++) {
            o.set(FLOAT, (base + i) * 4, o.get(FLOAT, (base + i) * 4) * sf);
        }
    }

    /**
     * Log-softmax of count FP32 values into an F32 output: x invT - LSE in FP32 with the LSE split into
     * hi + lo (FP32 parts), (x invT - hi) - lo, so the error is that of x invT and the two roundings
     * (~1 ulp of max(|x/T|, |LSE|)) plus the LSE's own.
     */
    static void logSoftmaxF32Chunk(MemorySegment in, MemorySegment o, long base, int count, float invT, double lse) {
        float hi = (float) lse;
        float lo = (float) (lse - hi);
        int bound = FS.loopBound(count);
        for (int i = 0; i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, in, (base + i) * 4, LE).mul(invT).sub(hi).sub(lo)
                    .intoMemorySegment(o, (base + i) * 4, LE);
        }
        for (int i = bound; i < count; i++) {
            o.set(FLOAT, (base + i) * 4, in.get(FLOAT, (base + i) * 4) * invT - hi - lo);
        }
    }

    /** softmax (log = 0) or log-softmax (log = 1) of count FP32 values from element base, into out. */
    static void softmaxChunk(MemorySegment in, MemorySegment o, long base, int count, double invT, double l, int log) {
        int lanes = FS.length();
        int dl = DS.length();
        int bound = FS.loopBound(count);
        for (int i = 0; i < bound; i += lanes) {
            FloatVector f = FloatVector.fromMemorySegment(FS, in, (base + i) * 4, LE);
            DoubleVector y0 = ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0)).mul(invT).sub(l);
            DoubleVector y1 = ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 1)).mul(invT).sub(l);
            if (log == 0) {
                y0 = VectorMath.exp(y0);
                y1 = VectorMath.exp(y1);
            }
            y0.intoMemorySegment(o, (base + i) * 8, LE);
            y1.intoMemorySegment(o, (base + i + dl) * 8, LE);
        }
        for (int i = bound; i < count; i++) {
            double y = in.get(FLOAT, (base + i) * 4) * invT - l;
            o.set(DOUBLE, (base + i) * 8, log == 0 ? Math.exp(y) : y);
        }
    }

    /** One (head, query) of attention over K transposed in key blocks (see CpuBackend.attentionHeads). */
    static void attentionItem(int item, double[] q, double[] kt, double[] v, int tq, int tk, int d, int dv, int blocks,
                              double scale, int mask, double[] out, double[] lse) {
        int lanes = DS.length();
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
                DoubleVector p = VectorMath.exp(DoubleVector.fromArray(DS, sc, j).sub(m));
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
    }

    /**
     * One (token, chunk) of the fused Jensen-gap pass: every head's state, the mean logits' and the
     * aggregate's state; returns the number of non-finite logits seen.
     */
    static long gapItem(int item, MemorySegment seg, MemorySegment ex, boolean extraPerToken, int t, int h, int v,
                        int start, int count, double[] hm, double[] hd, double[] am, double[] ad, double[] mm,
                        double[] md) {
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
        return nf;
    }

    /**
     * f[i] = (1/m) sum_k cos(omega_k delta_i) for i in [from, to), k in order. The arguments reach 10^6
     * and beyond, where a vector cos would need a long range reduction; java.lang.Math.cos is one
     * HotSpot stub used alike by the interpreter, C1 and C2, so every delta gets the same bits wherever it
     * sits and however warm the JIT is.
     */
    static void positionalBlock(double[] omegas, double[] deltas, int from, int to, double[] f) {
        int m = omegas.length;
        for (int i = from; i < to; i++) {
            double s = 0.0;
            for (int k = 0; k < m; k++) {
                s += Math.cos(omegas[k] * deltas[i]);
            }
            f[i] = s / m;
        }
    }

    /**
     * The mixtureGaps sums of one chunk, y in [from, from + count) of one token's FP64 logits l [H, V],
     * into parts[base ...] in the layout of {@code MixtureGapSums.mixtureGapsPartial} (the body this pass
     * replaces): FP64 lanes, {@link VectorMath#exp} and {@link VectorMath#log}; whole vectors, then one
     * masked vector for the rest (empty when count is a multiple of the lanes: its lanes get pi = 0, so
     * Pi = 0 and every term 0). Each sum is kept per lane and the lanes are added in lane order at the
     * end, so the bits do not depend on the JIT.
     */
    static void mixtureGapsPartial(double[] l, int heads, int v, int from, int count, double[] logZ, double[] beta,
                                   double[] parts, int base) {
        int lanes = DS.length();
        int w = 3 * heads + 3;
        double[] acc = new double[w * lanes];
        double[] pi = new double[heads * lanes];
        int bound = DS.loopBound(count);
        VectorMask<Double> all = DS.maskAll(true);
        for (int i = 0; i < bound; i += lanes) {
            mixtureGapsVector(l, heads, v, from + i, all, logZ, beta, pi, acc);
        }
        mixtureGapsVector(l, heads, v, from + bound, DS.indexInRange(bound, count), logZ, beta, pi, acc);
        for (int k = 0; k < w; k++) {
            double s = 0;
            for (int j = 0; j < lanes; j++) {
                s += acc[k * lanes + j];
            }
            parts[base + k] = s;
        }
    }

    /**
     * The terms of the lanes y, y + 1, ... set in {@code in}, added to the per-lane sums acc[k * lanes ...]
     * (k as in parts); pi is scratch for the H vectors pi_h. Pi log Pi where Pi &gt; 0 only (elsewhere
     * log 1 = 0 stands in).
     */
    private static void mixtureGapsVector(double[] l, int heads, int v, int y, VectorMask<Double> in, double[] logZ,
                                          double[] beta, double[] pi, double[] acc) {
        int lanes = DS.length();
        DoubleVector zero = DoubleVector.zero(DS);
        DoubleVector mix = zero;
        for (int h = 0; h < heads; h++) {
            DoubleVector x = DoubleVector.fromArray(DS, l, h * v + y, in).sub(logZ[h]);
            DoubleVector p = zero.blend(VectorMath.exp(x), in);
            p.intoArray(pi, h * lanes);
            mix = mix.add(p.mul(beta[h]));
            add(acc, h * lanes, p.mul(p));
        }
        add(acc, 3 * heads * lanes, mix);
        add(acc, (3 * heads + 1) * lanes, mix.mul(mix));
        DoubleVector logMix = VectorMath.log(mix.blend(1.0, mix.compare(VectorOperators.GT, 0.0).not()));
        add(acc, (3 * heads + 2) * lanes, mix.mul(logMix));
        for (int h = 0; h < heads; h++) {
            DoubleVector x = DoubleVector.fromArray(DS, l, h * v + y, in).sub(logZ[h]);
            add(acc, (heads + h) * lanes, mix.mul(DoubleVector.fromArray(DS, pi, h * lanes)));
            add(acc, (2 * heads + h) * lanes, mix.mul(x));
        }
    }

    /** acc[at ...] += t, lane by lane. */
    private static void add(double[] acc, int at, DoubleVector t) {
        DoubleVector.fromArray(DS, acc, at).add(t).intoArray(acc, at);
    }

    /** max x[0, len) (exact in any order). */
    static double max(double[] x, int len) {
        return max(x, 0, len);
    }

    /** max x[from, from + len) (exact in any order). */
    static double max(double[] x, int from, int len) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        double mx = LogSumExp.LOWEST;
        if (bound > 0) {
            DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
            for (int i = 0; i < bound; i += lanes) {
                vmax = vmax.max(DoubleVector.fromArray(DS, x, from + i));
            }
            mx = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < len; i++) {
            mx = Math.max(mx, x[from + i]);
        }
        return mx;
    }
}
