package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.gapscope.host.KernelBackend;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.LogSumExp;
import org.gapscope.kernels.Philox;
import org.gapscope.kernels.SweepGap;

/**
 * The Vector API passes of the {@link CpuBackend}, one static method per work-item, with signatures
 * free of vector types: CpuBackend itself never names a jdk.incubator.vector class, so it loads (and
 * reports itself unavailable) in a JVM started without {@code --add-modules jdk.incubator.vector}.
 */
final class VectorPasses {
    private VectorPasses() {}

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat FLOAT = KernelBackend.FLOAT;
    static final ValueLayout.OfDouble DOUBLE = KernelBackend.DOUBLE;
    static final boolean FLOAT_IS_TWO_DOUBLES = FS.length() == 2 * DS.length();
    static final boolean LONG_IS_DOUBLE = LS.length() == DS.length();

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
                acc = acc.add(VectorMath.exp(y.mul(invT).sub(ms)));
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
                acc = acc.add(VectorMath.exp(y.sub(mx)));
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

    static final long MASK32 = 0xFFFFFFFFL;
    static final long M0 = Philox.M0 & MASK32;
    static final long M1 = Philox.M1 & MASK32;
    static final int W0 = Philox.W0;
    static final int W1 = Philox.W1;

    /**
     * Draws distractors [start, start + count) of repetition rep in blocks and reduces them to (m, d).
     * Gaussian draws follow {@code Laws.draw}'s pair convention: one Philox block (counter j) per pair
     * (2j, 2j + 1), so a vector step computes Philox, log and sqrt once for 2 x lanes distractors; the
     * cos half lands in buf[i, i + lanes) and the sin half in buf[i + lanes, i + 2 lanes) (the block's
     * max and sum of exp do not depend on the order). An odd first index is drawn alone by Laws.draw,
     * so every vector step starts at an even index.
     */
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
        boolean gauss = law == Laws.GAUSSIAN;
        int step = gauss ? 2 * lanes : lanes;
        double mx = LogSumExp.LOWEST;
        double sum = 0;
        int[] scratch = new int[4];
        long first = start;
        long end = start + count;
        if (gauss && count > 0 && (start & 1L) != 0) {
            mx = scale * Laws.draw(start, rep, seed, law, a, b, c, scratch, 0);
            sum = 1.0;
            first = start + 1;
        }
        for (long b0 = first; b0 < end; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, end - b0);
            int vecLen = len - len % step;
            DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
            for (int i = 0; i < vecLen; i += step) {
                LongVector idx = lane.add(gauss ? (b0 + i) >> 1 : b0 + i);
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
                if (gauss) {
                    DoubleVector u2 = uniform(x2, x3);
                    DoubleVector rad = VectorMath.log(u1).mul(-2.0).lanewise(VectorOperators.SQRT)
                            .mul(b);
                    DoubleVector xc = rad.mul(VectorMath.cosTurns(u2)).add(a).mul(scale);
                    DoubleVector xs = rad.mul(VectorMath.sinTurns(u2)).add(a).mul(scale);
                    vmax = vmax.max(xc).max(xs);
                    xc.intoArray(buf, i);
                    xs.intoArray(buf, i + lanes);
                } else {
                    DoubleVector x;
                    if (law == Laws.GUMBEL) {
                        x = VectorMath.log(VectorMath.log(u1).neg()).mul(-b).add(a);
                    } else if (law == Laws.UNIFORM) {
                        x = u1.mul(b - a).add(a);
                    } else {
                        x = VectorMath.log(u1).div(b).neg().add(a);
                    }
                    x = x.mul(scale);
                    vmax = vmax.max(x);
                    x.intoArray(buf, i);
                }
            }
            // block state, folded into the running state
            double bm = vecLen > 0 ? vmax.reduceLanes(VectorOperators.MAX) : LogSumExp.LOWEST;
            for (int i = vecLen; i < len; i++) {
                buf[i] = scale * Laws.draw(b0 + i, rep, seed, law, a, b, c, scratch, 0);
                bm = Math.max(bm, buf[i]);
            }
            int dl = DS.length();
            int bound = len - len % dl;
            double bs = 0;
            if (bound > 0) {
                DoubleVector acc = DoubleVector.zero(DS);
                for (int i = 0; i < bound; i += dl) {
                    acc = acc.add(VectorMath.exp(DoubleVector.fromArray(DS, buf, i).sub(bm)));
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
        LongVector j = hi.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 26)
                .add(lo.lanewise(VectorOperators.LSHR, 6));
        return ((DoubleVector) j.convert(VectorOperators.L2D, 0)).add(0.5).mul(2.220446049250313E-16);
    }

    /**
     * Softmax's fused pass over one chunk of count FP32 values from element base: the chunk's (m, d) state
     * exactly as {@link #expSum} computes it (so the row's LSE equals logSumExp's, bit for bit), and each
     * term exp(x invT - m) written to out[base + i] (F32 or F64); {@link #scaleChunk} then multiplies
     * them by exp(m - LSE).
     */
    static void softmaxExpChunk(MemorySegment in, MemorySegment o, boolean f32Out, long base, int count, float invT,
                                double[] m, double[] d, int slot) {
        int bound = FS.loopBound(count);
        int lanes = FS.length();
        int dl = DS.length();
        long off = base * 4;
        float mx = -Float.MAX_VALUE;
        if (bound > 0) {
            FloatVector vmax = FloatVector.broadcast(FS, -Float.MAX_VALUE);
            for (int i = 0; i < bound; i += lanes) {
                vmax = vmax.max(FloatVector.fromMemorySegment(FS, in, off + 4L * i, LE));
            }
            mx = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (int i = bound; i < count; i++) {
            mx = Math.max(mx, in.get(FLOAT, off + 4L * i));
        }
        float ms = mx * invT;
        double s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(FS);
            for (int i = 0; i < bound; i += lanes) {
                FloatVector y = FloatVector.fromMemorySegment(FS, in, off + 4L * i, LE);
                FloatVector e = VectorMath.exp(y.mul(invT).sub(ms));
                acc = acc.add(e);
                if (f32Out) {
                    e.intoMemorySegment(o, (base + i) * 4, LE);
                } else {
                    e.convertShape(VectorOperators.F2D, DS, 0).intoMemorySegment(o, (base + i) * 8, LE);
                    e.convertShape(VectorOperators.F2D, DS, 1).intoMemorySegment(o, (base + i + dl) * 8, LE);
                }
            }
            for (int l = 0; l < lanes; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < count; i++) {
            double e = Math.exp((double) (in.get(FLOAT, off + 4L * i) * invT - ms));
            s += e;
            if (f32Out) {
                o.set(FLOAT, (base + i) * 4, (float) e);
            } else {
                o.set(DOUBLE, (base + i) * 8, e);
            }
        }
        m[slot] = ms;
        d[slot] = s;
    }

    /** out[base, base + count) *= scale (F32: by the FP32 rounding of scale). */
    static void scaleChunk(MemorySegment o, boolean f32Out, long base, int count, double scale) {
        if (f32Out) {
            float sf = (float) scale;
            int bound = FS.loopBound(count);
            for (int i = 0; i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, o, (base + i) * 4, LE).mul(sf).intoMemorySegment(o, (base + i) * 4, LE);
            }
            for (int i = bound; i < count; i++) {
                o.set(FLOAT, (base + i) * 4, o.get(FLOAT, (base + i) * 4) * sf);
            }
        } else {
            int bound = DS.loopBound(count);
            for (int i = 0; i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, o, (base + i) * 8, LE).mul(scale).intoMemorySegment(o, (base + i) * 8, LE);
            }
            for (int i = bound; i < count; i++) {
                o.set(DOUBLE, (base + i) * 8, o.get(DOUBLE, (base + i) * 8) * scale);
            }
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

    // ---- sweepGap ------------------------------------------------------------------------------

    /** y values per block of the sweep passes (a multiple of 2 x the double lanes). */
    static final int SWEEP_BLOCK = 512;
    /** Float species with as many lanes as DS: the float32 rounding of a double vector. */
    static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));
    static final boolean SWEEP_VECTOR = LONG_IS_DOUBLE && FH.length() == DS.length() && SWEEP_BLOCK % (2 * DS.length()) == 0;

    /** Per-thread buffers of the sweep passes (slot order, see {@link #normals}). */
    private static final class SweepBuffers {
        final double[] e = new double[SWEEP_BLOCK];
        final double[] z = new double[SWEEP_BLOCK];
        final double[] odd = new double[SWEEP_BLOCK / 2 + 64];
        final float[] f = new float[SWEEP_BLOCK];
        final double[] l = new double[SWEEP_BLOCK];
        final double[] agg = new double[SWEEP_BLOCK];
        final int[] scratch = new int[4];
        final double[] st = new double[2];
    }

    private static final ThreadLocal<SweepBuffers> SWEEP = ThreadLocal.withInitial(SweepBuffers::new);

    /**
     * The slot of offset o in a block of len values: the vector part (o &lt; len - len % 2L, L = double
     * lanes) is stored per step of 2L offsets with the even offsets first ({@code s + (o - s) / 2}) and
     * the odd ones after them ({@code s + L + (o - s) / 2}); the tail keeps its offsets. Every head and the
     * shared noise use the same slots, so sums over heads line up.
     */
    static int slot(int o, int len) {
        int step = 2 * DS.length();
        int vecLen = len - len % step;
        if (o >= vecLen) {
            return o;
        }
        int s = o - o % step;
        int r = o - s;
        return (r & 1) == 0 ? s + r / 2 : s + DS.length() + r / 2;
    }

    /**
     * Standard normals of stream indices i0 .. i0 + len - 1 (repetition rep) into out, in slot order
     * ({@link #slot}): the Gaussian pairs of {@code Laws.draw}, one Philox block per pair (2j, 2j + 1) with
     * cos for 2j and sin for 2j + 1. When i0 is even, a vector step's cos lanes are the even offsets and its
     * sin lanes the odd ones; when i0 is odd the pairs straddle the offsets (as they straddle heads and
     * tokens when V is odd): the sin lanes are the even offsets and the odd offsets are the cos lanes of the
     * next counters, collected in {@code odd} and moved by one lane (one more draw, of index
     * i0 + vecLen - 1, closes the block). The tail is drawn by {@code Laws.draw}.
     */
    static void normals(long i0, int rep, long seed, int len, double[] out, double[] odd, int[] scratch) {
        int lanes = DS.length();
        int step = 2 * lanes;
        int vecLen = len - len % step;
        boolean oddStart = (i0 & 1L) != 0;
        long j0 = i0 >> 1;
        int s0 = (int) seed;
        int s1 = (int) (seed >> 32);
        LongVector lane = LongVector.zero(LS).addIndex(1);
        LongVector x2init = LongVector.broadcast(LS, rep & MASK32);
        for (int s = 0; s < vecLen; s += step) {
            LongVector idx = lane.add(j0 + s / 2);
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
            DoubleVector rad = VectorMath.log(uniform(x0, x1)).mul(-2.0).lanewise(VectorOperators.SQRT);
            DoubleVector u2 = uniform(x2, x3);
            DoubleVector c = rad.mul(VectorMath.cosTurns(u2));
            DoubleVector sn = rad.mul(VectorMath.sinTurns(u2));
            if (oddStart) {
                sn.intoArray(out, s);
                c.intoArray(odd, s / 2);
            } else {
                c.intoArray(out, s);
                sn.intoArray(out, s + lanes);
            }
        }
        if (oddStart && vecLen > 0) {
            odd[vecLen / 2] = Laws.draw(i0 + vecLen - 1, rep, seed, Laws.GAUSSIAN, 0.0, 1.0, 0.0, scratch, 0);
            for (int s = 0; s < vecLen; s += step) {
                DoubleVector.fromArray(DS, odd, s / 2 + 1).intoArray(out, s + lanes);
            }
        }
        for (int o = vecLen; o < len; o++) {
            out[o] = Laws.draw(i0 + o, rep, seed, Laws.GAUSSIAN, 0.0, 1.0, 0.0, scratch, 0);
        }
    }

    /**
     * Head h's logits of block [y0, y0 + len) of token b, in slot order, as {@code SweepGap.logit} computes
     * them (FP64 law, + margin at the head's peak, / T, rounded to float32): into buf.f and, widened, buf.l.
     * The shared noise of the block is in buf.z (identical, correlated).
     */
    static void headLogits(SweepBuffers buf, int law, long b, int h, int heads, int v, long y0, int len, int target,
                           long seed, double sigma, double margin, double cs, double ce, double temperature) {
        double[] e = buf.e;
        double[] l = buf.l;
        if (law != SweepGap.IDENTICAL) {
            normals((b * heads + h) * v + y0, SweepGap.REP_HEAD, seed, len, e, buf.odd, buf.scratch);
        }
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        for (int i = 0; i < bound; i += lanes) {
            DoubleVector x;
            if (law == SweepGap.IDENTICAL) {
                x = DoubleVector.fromArray(DS, buf.z, i).mul(sigma);
            } else if (law == SweepGap.CORRELATED) {
                x = DoubleVector.fromArray(DS, buf.z, i).mul(cs).add(DoubleVector.fromArray(DS, e, i).mul(ce)).mul(sigma);
            } else {
                x = DoubleVector.fromArray(DS, e, i).mul(sigma);
            }
            x.intoArray(l, i);
        }
        for (int i = bound; i < len; i++) {
            l[i] = law == SweepGap.IDENTICAL ? sigma * buf.z[i]
                    : law == SweepGap.CORRELATED ? sigma * (cs * buf.z[i] + ce * e[i]) : sigma * e[i];
        }
        long peak = SweepGap.peak(law, h, v, target) - y0;
        if (peak >= 0 && peak < len) {
            int ps = slot((int) peak, len);
            l[ps] = l[ps] + margin;
        }
        for (int i = 0; i < bound; i += lanes) {
            FloatVector f = (FloatVector) DoubleVector.fromArray(DS, l, i).div(temperature)
                    .convertShape(VectorOperators.D2F, FH, 0);
            f.intoArray(buf.f, i);
            ((DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0)).intoArray(l, i);
        }
        for (int i = bound; i < len; i++) {
            float f = (float) (l[i] / temperature);
            buf.f[i] = f;
            l[i] = f;
        }
    }

    /**
     * One (token, chunk) work-item of the sweep's first pass ({@code SweepGap.sweepGapPartial}'s states), in
     * blocks of {@link #SWEEP_BLOCK} y: per head, the block's logits in float32 lanes (max; exp and its square
     * in FP32, lanes folded into FP64) folded into the head's (m, d, d2); the aggregate L = sum_h l in FP64
     * (head order, as the reference) and its and the mean's (m, d) in FP64; l^(h)_{y*} when y* is in the
     * chunk.
     */
    static void sweepGapItem(int law, long b, int heads, int v, long start, int count, int target, long seed,
                             double sigma, double margin, double cs, double ce, double temperature, double[] hm,
                             double[] hd, double[] hd2, double[] am, double[] ad, double[] mm, double[] md, int item,
                             double[] lt, int ltOff) {
        SweepBuffers buf = SWEEP.get();
        int hb = item * heads;
        for (int h = 0; h < heads; h++) {
            hm[hb + h] = LogSumExp.LOWEST;
            hd[hb + h] = 0;
            hd2[hb + h] = 0;
        }
        double aM = LogSumExp.LOWEST;
        double aD = 0;
        double mM = LogSumExp.LOWEST;
        double mD = 0;
        int lanes = DS.length();
        int fl = FS.length();
        for (int o0 = 0; o0 < count; o0 += SWEEP_BLOCK) {
            int len = Math.min(SWEEP_BLOCK, count - o0);
            long y0 = start + o0;
            int bound = DS.loopBound(len);
            if (law == SweepGap.IDENTICAL || law == SweepGap.CORRELATED) {
                normals(b * v + y0, SweepGap.REP_SHARED, seed, len, buf.z, buf.odd, buf.scratch);
            }
            long tOff = target - y0;
            int ts = tOff >= 0 && tOff < len ? slot((int) tOff, len) : -1;
            double[] agg = buf.agg;
            for (int h = 0; h < heads; h++) {
                headLogits(buf, law, b, h, heads, v, y0, len, target, seed, sigma, margin, cs, ce, temperature);
                double[] l = buf.l;
                float[] f = buf.f;
                if (h == 0) {
                    System.arraycopy(l, 0, agg, 0, len);
                } else {
                    for (int i = 0; i < bound; i += lanes) {
                        DoubleVector.fromArray(DS, agg, i).add(DoubleVector.fromArray(DS, l, i)).intoArray(agg, i);
                    }
                    for (int i = bound; i < len; i++) {
                        agg[i] += l[i];
                    }
                }
                if (ts >= 0) {
                    lt[ltOff + h] = l[ts];
                }
                int fb = FS.loopBound(len);
                float bm = -Float.MAX_VALUE;
                if (fb > 0) {
                    FloatVector vmax = FloatVector.broadcast(FS, -Float.MAX_VALUE);
                    for (int i = 0; i < fb; i += fl) {
                        vmax = vmax.max(FloatVector.fromArray(FS, f, i));
                    }
                    bm = vmax.reduceLanes(VectorOperators.MAX);
                }
                for (int i = fb; i < len; i++) {
                    bm = Math.max(bm, f[i]);
                }
                double bd = 0;
                double bd2 = 0;
                if (fb > 0) {
                    FloatVector acc = FloatVector.zero(FS);
                    FloatVector acc2 = FloatVector.zero(FS);
                    for (int i = 0; i < fb; i += fl) {
                        FloatVector ex = VectorMath.exp(FloatVector.fromArray(FS, f, i).sub(bm));
                        acc = acc.add(ex);
                        acc2 = acc2.add(ex.mul(ex));
                    }
                    for (int k = 0; k < fl; k++) {
                        bd += acc.lane(k);
                        bd2 += acc2.lane(k);
                    }
                }
                for (int i = fb; i < len; i++) {
                    double ex = Math.exp((double) (f[i] - bm));
                    bd += ex;
                    bd2 += ex * ex;
                }
                double m = hm[hb + h];
                if (bm > m) {
                    double r = Math.exp(m - bm);
                    hd[hb + h] = hd[hb + h] * r + bd;
                    hd2[hb + h] = hd2[hb + h] * (r * r) + bd2;
                    hm[hb + h] = bm;
                } else {
                    double r = Math.exp(bm - m);
                    hd[hb + h] += bd * r;
                    hd2[hb + h] += bd2 * (r * r);
                }
            }
            // the mean logits L / H (FP64 division, as the reference), then the aggregate
            double[] mean = buf.l;
            for (int i = 0; i < bound; i += lanes) {
                DoubleVector.fromArray(DS, agg, i).div(heads).intoArray(mean, i);
            }
            for (int i = bound; i < len; i++) {
                mean[i] = agg[i] / heads;
            }
            double[] st = buf.st;
            blockState(mean, len, st);
            if (st[0] > mM) {
                mD = mD * Math.exp(mM - st[0]) + st[1];
                mM = st[0];
            } else {
                mD += st[1] * Math.exp(st[0] - mM);
            }
            blockState(agg, len, st);
            if (st[0] > aM) {
                aD = aD * Math.exp(aM - st[0]) + st[1];
                aM = st[0];
            } else {
                aD += st[1] * Math.exp(st[0] - aM);
            }
        }
        am[item] = aM;
        ad[item] = aD;
        mm[item] = mM;
        md[item] = mD;
    }

    /** st = {max x, sum exp(x - max)} of x[0, len) in FP64 (vector exp, lanes summed in lane order). */
    static void blockState(double[] x, int len, double[] st) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        double mx = LogSumExp.LOWEST;
        if (bound > 0) {
            DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
            for (int i = 0; i < bound; i += lanes) {
                vmax = vmax.max(DoubleVector.fromArray(DS, x, i));
            }
            mx = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < len; i++) {
            mx = Math.max(mx, x[i]);
        }
        double s = 0;
        if (bound > 0) {
            DoubleVector acc = DoubleVector.zero(DS);
            for (int i = 0; i < bound; i += lanes) {
                acc = acc.add(VectorMath.exp(DoubleVector.fromArray(DS, x, i).sub(mx)));
            }
            for (int k = 0; k < lanes; k++) {
                s += acc.lane(k);
            }
        }
        for (int i = bound; i < len; i++) {
            s += Math.exp(x[i] - mx);
        }
        st[0] = mx;
        st[1] = s;
    }

    /**
     * One work-item of the sweep's second pass: sum over the chunk's y of (sum_h exp(l^(h)_y - log Z_h))^2,
     * blocks in order, FP64 (vector exp).
     */
    static double sweepGapBrierItem(int law, long b, int heads, int v, long start, int count, int target, long seed,
                                    double sigma, double margin, double cs, double ce, double temperature,
                                    double[] logZHeads, int zOff) {
        SweepBuffers buf = SWEEP.get();
        int lanes = DS.length();
        double total = 0;
        for (int o0 = 0; o0 < count; o0 += SWEEP_BLOCK) {
            int len = Math.min(SWEEP_BLOCK, count - o0);
            long y0 = start + o0;
            int bound = DS.loopBound(len);
            if (law == SweepGap.IDENTICAL || law == SweepGap.CORRELATED) {
                normals(b * v + y0, SweepGap.REP_SHARED, seed, len, buf.z, buf.odd, buf.scratch);
            }
            double[] mix = buf.agg;
            java.util.Arrays.fill(mix, 0, len, 0.0);
            for (int h = 0; h < heads; h++) {
                headLogits(buf, law, b, h, heads, v, y0, len, target, seed, sigma, margin, cs, ce, temperature);
                double z = logZHeads[zOff + h];
                double[] l = buf.l;
                for (int i = 0; i < bound; i += lanes) {
                    DoubleVector.fromArray(DS, mix, i).add(VectorMath.exp(DoubleVector.fromArray(DS, l, i).sub(z)))
                            .intoArray(mix, i);
                }
                for (int i = bound; i < len; i++) {
                    mix[i] += Math.exp(l[i] - z);
                }
            }
            double s = 0;
            if (bound > 0) {
                DoubleVector acc = DoubleVector.zero(DS);
                for (int i = 0; i < bound; i += lanes) {
                    DoubleVector p = DoubleVector.fromArray(DS, mix, i);
                    acc = acc.add(p.mul(p));
                }
                for (int k = 0; k < lanes; k++) {
                    s += acc.lane(k);
                }
            }
            for (int i = bound; i < len; i++) {
                s += mix[i] * mix[i];
            }
            total += s;
        }
        return total;
    }
}
