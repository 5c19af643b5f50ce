package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Attention;

/**
 * The cpu backend's attention of FP32 inputs: blocked flash-style, FP32 arithmetic inside a block, the
 * per-query state (m, l), the output accumulator and the LSE in FP64.
 *
 * <p>Work-items are (head, block of {@link #BQ} queries), over all cores. K is packed once per call as
 * transposed blocks of {@link #keyBlock()} = W keys ([head][block][c][W], zero-padded) and V as
 * [head][column group][key][W] (dv rounded up to groups of W columns, zero-padded), so that the block of
 * B that the micro-kernel reads is contiguous in both products. For each block of keys a query block sees:
 * <ol>
 *   <li>S = Q K^T by the register-tiled micro-kernel {@link Gemm#tile} (6 queries x W keys, FMA chain
 *       over c = 0..d-1 in order, FP32), then s = S * scale in FP32;</li>
 *   <li>per query, the block's maximum m_b over the keys it sees (exact), p = exp(s - m_b) (FP32,
 *       {@link VectorMath}; keys it does not see get p = 0) and l_b = the sum of p (FP32 lanes, added in
 *       lane order in FP64);</li>
 *   <li>O_b = P V by the same micro-kernel (W keys in order, FP32);</li>
 *   <li>the merge in FP64, as logSumExp merges chunks: m' = max(m, m_b), O = O e^(m - m') + O_b
 *       e^(m_b - m'), l = l e^(m - m') + l_b e^(m_b - m').</li>
 * </ol>
 * Finally out = O / l and LSE = m + log l (FP64). Every block's values depend only on the inputs and the
 * block, and blocks are merged in key order, so the result does not depend on the number of threads.
 * Error: {@code ErrorBounds.attention} (FP32). Inputs that are not finite, or large enough that an FP32
 * score or block sum could overflow, are the caller's special heads and never reach this class.
 */
final class FlashAttention {
    private FlashAttention() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Queries per work-item: 8 tiles of {@link Gemm#MR}. */
    static final int BQ = 8 * Gemm.MR;
    /** Micro-kernel panels (of {@link Gemm#panelWidth()} keys) per key block. */
    static final int PANELS = 2;
    /** Length of the pieces of an FMA chain (dimensions of Q K^T, keys of P V): 64 x W floats, 16 KiB. */
    static final int DC = 64;

    /** Keys per block: two micro-kernel panels of NV vectors of FP32 lanes (128 with AVX-512). */
    static int keyBlock() {
        return PANELS * Gemm.panelWidth();
    }

    /** Per-thread scratch: the block's queries, scores/weights [BQ][KB], output [BQ][dvp], the FP64 state. */
    private static final class Scratch {
        float[] p = new float[0];
        float[] q = new float[0];
        float[] ob = new float[0];
        double[] o = new double[0];
        final float[] lanes = new float[FS.length()];
        final double[] m = new double[BQ];
        final double[] l = new double[BQ];
        final double[] mb = new double[BQ];
        final double[] lb = new double[BQ];
        final double[] fa = new double[BQ];
        final double[] fb = new double[BQ];
        final int[] seen = new int[BQ / Gemm.MR];

        void ensure(int kb, int d, int dvp) {
            if (p.length < BQ * kb) {
                p = new float[BQ * kb];
            }
            if (q.length < BQ * d) {
                q = new float[BQ * d];
            }
            if (ob.length < BQ * dvp) {
                ob = new float[BQ * dvp];
                o = new double[BQ * dvp];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * The calling thread's packed K^T (0) and V (1), reused from call to call (softly held): a fresh array
     * of tens of MiB per call costs its zeroing and, off the heap, its page faults. Entries beyond a
     * call's size are never read.
     */
    private static final ThreadLocal<java.lang.ref.SoftReference<float[][]>> PACKED =
            ThreadLocal.withInitial(() -> new java.lang.ref.SoftReference<>(new float[2][0]));

    private static float[] packed(int which, int size) {
        float[][] held = PACKED.get().get();
        if (held == null) {
            held = new float[2][0];
            PACKED.set(new java.lang.ref.SoftReference<>(held));
        }
        if (held[which].length < size) {
            held[which] = new float[size];
        }
        return held[which];
    }

    /**
     * Attention of the heads in {@code heads} (others are left alone) of F32 q [H, tq, d], k [H, tk, d],
     * v [H, tk, dv] into F64 out [H, tq, dv] and lse [H, tq]. A query that sees no key gets out = 0 and
     * lse = -inf.
     */
    static void run(MemorySegment q, MemorySegment k, MemorySegment v, int nh, int tq, int tk, int d, int dv,
                    double scale, int mask, boolean[] heads, MemorySegment out, MemorySegment lse,
                    KernelBackend.Launcher launcher) {
        int w = Gemm.panelWidth();
        int kb = keyBlock();
        int tkp = (tk + kb - 1) / kb * kb;
        int panels = tkp / w;
        int dvp = (dv + w - 1) / w * w;
        float[] kt = packed(0, nh * tkp * d);
        float[] vp = packed(1, nh * tkp * dvp);
        launcher.run(nh * panels, item -> {
            int h = item / panels;
            if (heads[h]) {
                pack(k, v, h, item % panels, tk, d, dv, w, tkp, dvp, kt, vp);
            }
        });
        int qBlocks = (tq + BQ - 1) / BQ;
        float sc = (float) scale;
        // heavier (later, under a causal mask) query blocks first
        launcher.run(nh * qBlocks, item -> {
            int h = item / qBlocks;
            int qb = qBlocks - 1 - item % qBlocks;
            if (heads[h]) {
                queryBlock(q, kt, vp, h, qb * BQ, Math.min(BQ, tq - qb * BQ), tq, tk, d, dv, dvp, sc, mask, out, lse);
            }
        });
    }

    /**
     * Panel pn (w keys) of head h: K^T into kt [h][pn][c][w], V into vp [h][cg][j][w] (cg: groups of w
     * columns); zeros beyond tk and dv.
     */
    private static void pack(MemorySegment k, MemorySegment v, int h, int pn, int tk, int d, int dv, int w, int tkp,
                             int dvp, float[] kt, float[] vp) {
        int base = (h * tkp + pn * w) * d;
        for (int jj = 0; jj < w; jj++) {
            int j = pn * w + jj;
            int groups = dvp / w;
            for (int cg = 0; cg < groups; cg++) { // the buffers are reused: padding is written, never assumed
                int vRow = ((h * groups + cg) * tkp + j) * w;
                int cols = j < tk ? Math.max(0, Math.min(w, dv - cg * w)) : 0;
                if (cols > 0) {
                    MemorySegment.copy(v, KernelBackend.FLOAT, (((long) h * tk + j) * dv + cg * w) * 4, vp, vRow, cols);
                }
                java.util.Arrays.fill(vp, vRow + cols, vRow + w, 0f);
            }
            long kRow = ((long) h * tk + j) * d;
            for (int c = 0; c < d; c++) {
                kt[base + c * w + jj] = j < tk ? k.getAtIndex(KernelBackend.FLOAT, kRow + c) : 0f;
            }
        }
    }

    /** Queries [i0, i0 + n) of head h. */
    private static void queryBlock(MemorySegment q, float[] kt, float[] vp, int h, int i0, int n, int tq, int tk, int d,
                                   int dv, int dvp, float scale, int mask, MemorySegment out, MemorySegment lse) {
        int w = Gemm.panelWidth();
        int kb = keyBlock();
        int tkp = (tk + kb - 1) / kb * kb;
        Scratch s = SCRATCH.get();
        s.ensure(kb, d, dvp);
        float[] p = s.p;
        java.util.Arrays.fill(s.o, 0, n * dvp, 0.0);
        java.util.Arrays.fill(s.m, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(s.l, 0.0);
        int maxLimit = 0;
        for (int i = i0; i < i0 + n; i++) {
            maxLimit = Math.max(maxLimit, Attention.keyLimit(i, tq, tk, mask));
        }
        int used = (maxLimit + kb - 1) / kb;
        float[] qa = s.q; // the block's queries, read once
        MemorySegment.copy(q, KernelBackend.FLOAT, ((long) h * tq + i0) * d * 4, qa, 0, n * d);
        for (int b = 0; b < used; b++) {
            int j0 = b * kb;
            int panels = Math.min(PANELS, (maxLimit - j0 + w - 1) / w); // panels any query of the block sees
            for (int r = 0; r < n; r += Gemm.MR) { // the keys of this block the tile's queries see, at most
                int seen = 0;
                for (int i = r; i < Math.min(n, r + Gemm.MR); i++) {
                    seen = Math.max(seen, Attention.keyLimit(i0 + i, tq, tk, mask) - j0);
                }
                s.seen[r / Gemm.MR] = seen;
            }
            // S = Q K^T: per panel and slice of DC dimensions (16 KiB of K^T, kept in L1) every row tile
            // that sees a key of the panel (the weights of the others are masked to 0 below)
            for (int pn = 0; pn < panels; pn++) {
                int ktOff = (h * tkp + j0 + pn * w) * d;
                for (int c0 = 0; c0 < d; c0 += DC) {
                    int dc = Math.min(DC, d - c0);
                    for (int r = 0; r < n; r += Gemm.MR) {
                        if (s.seen[r / Gemm.MR] <= pn * w) {
                            continue;
                        }
                        Gemm.tile(qa, r * d + c0, d, Math.min(Gemm.MR, n - r), dc, kt, ktOff + c0 * w, w,
                                p, r * kb + pn * w, kb, c0 > 0);
                    }
                }
            }
            boolean any = false;
            for (int r = 0; r < n; r++) {
                int visible = Math.min(kb, Attention.keyLimit(i0 + r, tq, tk, mask) - j0);
                if (visible <= 0) { // its row of P V is computed with its tile's and skipped by the merge
                    s.mb[r] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                any = true;
                weights(p, r * kb, panels * w, visible, scale, s, r);
            }
            if (!any) {
                continue;
            }
            // O_b = P V: per column group and slice of DC keys (16 KiB of V) every row tile, up to the last
            // slice its queries see (the weights beyond are 0: acc + 0 v = acc exactly, so this is the full
            // chain's value)
            int keys = panels * w;
            for (int cg = 0; cg < dvp; cg += w) {
                for (int k0 = 0; k0 < keys; k0 += DC) {
                    int kc = Math.min(DC, keys - k0);
                    for (int r = 0; r < n; r += Gemm.MR) {
                        if (s.seen[r / Gemm.MR] <= k0) {
                            continue;
                        }
                        Gemm.tile(p, r * kb + k0, kb, Math.min(Gemm.MR, n - r), kc, vp,
                                ((h * (dvp / w) + cg / w) * tkp + j0 + k0) * w, w, s.ob, r * dvp + cg, dvp, k0 > 0);
                    }
                }
            }
            merge(s, n, dvp);
        }
        finish(s, h, i0, n, tq, tk, dv, dvp, mask, out, lse);
    }

    /**
     * Row r of the block's scores in p[off, off + w) (w: the panels computed): s = S scale, the maximum
     * m_b of the first {@code visible} entries, p = exp(s - m_b) there ({@link VectorMath#expNonPositive}: weights below 2^-126 are 0) and 0 beyond it up to w (P V reads no further), l_b = sum p (FP32
     * lanes, added in lane order in FP64).
     */
    private static void weights(float[] p, int off, int w, int visible, float scale, Scratch st, int r) {
        int lanes = FS.length();
        FloatVector vmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector acc = FloatVector.zero(FS);
        float m;
        if (visible >= w) { // every key seen: the masked loops below without their masks (same values)
            for (int j = 0; j < w; j += lanes) {
                FloatVector x = FloatVector.fromArray(FS, p, off + j).mul(scale);
                x.intoArray(p, off + j);
                vmax = vmax.max(x);
            }
            m = vmax.reduceLanes(VectorOperators.MAX); // exact in any order
            for (int j = 0; j < w; j += lanes) {
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(FS, p, off + j).sub(m));
                e.intoArray(p, off + j);
                acc = acc.add(e);
            }
        } else {
            for (int j = 0; j < w; j += lanes) {
                VectorMask<Float> in = FS.indexInRange(j, visible);
                FloatVector x = FloatVector.fromArray(FS, p, off + j).mul(scale);
                x.intoArray(p, off + j);
                vmax = vmax.blend(vmax.max(x), in);
            }
            m = vmax.reduceLanes(VectorOperators.MAX);
            for (int j = 0; j < w; j += lanes) {
                VectorMask<Float> in = FS.indexInRange(j, visible);
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(FS, p, off + j).sub(m)).blend(0f, in.not());
                e.intoArray(p, off + j);
                acc = acc.add(e);
            }
        }
        acc.intoArray(st.lanes, 0);
        double sum = 0;
        for (int t = 0; t < lanes; t++) {
            sum += st.lanes[t];
        }
        st.mb[r] = m;
        st.lb[r] = sum;
    }

    /** Folds every row's block (m_b, l_b, O_b) into its FP64 state (m, l, O); rows without keys here are left. */
    private static void merge(Scratch s, int n, int dvp) {
        int dl = DS.length();
        for (int r = 0; r < n; r++) {
            double mNew = Math.max(s.m[r], s.mb[r]);
            s.fa[r] = s.m[r] - mNew; // -inf for a row's first block: its factor is 0
            s.fb[r] = s.mb[r] - mNew;
        }
        for (int r = 0; r < n; r += dl) { // the factors e^(m - m'), e^(m_b - m') for dl rows at a time
            VectorMask<Double> in = DS.indexInRange(r, n);
            VectorMath.exp(DoubleVector.fromArray(DS, s.fa, r, in)).intoArray(s.fa, r, in);
            VectorMath.exp(DoubleVector.fromArray(DS, s.fb, r, in)).intoArray(s.fb, r, in);
        }
        for (int r = 0; r < n; r++) {
            if (s.mb[r] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            double a = s.fa[r];
            double b = s.fb[r];
            s.m[r] = Math.max(s.m[r], s.mb[r]);
            s.l[r] = s.l[r] * a + s.lb[r] * b;
            int off = r * dvp;
            DoubleVector bv = DoubleVector.broadcast(DS, b);
            if (a == 1.0) { // the maximum stayed: O * 1 is O exactly, so this is the branch below without it
                for (int c = 0; c < dvp; c += 2 * dl) {
                    FloatVector f = FloatVector.fromArray(FS, s.ob, off + c);
                    DoubleVector b0 = (DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector b1 = (DoubleVector) f.convertShape(VectorOperators.F2D, DS, 1);
                    b0.fma(bv, DoubleVector.fromArray(DS, s.o, off + c)).intoArray(s.o, off + c);
                    b1.fma(bv, DoubleVector.fromArray(DS, s.o, off + c + dl)).intoArray(s.o, off + c + dl);
                }
                continue;
            }
            for (int c = 0; c < dvp; c += 2 * dl) {
                FloatVector f = FloatVector.fromArray(FS, s.ob, off + c);
                DoubleVector b0 = (DoubleVector) f.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector b1 = (DoubleVector) f.convertShape(VectorOperators.F2D, DS, 1);
                b0.fma(bv, DoubleVector.fromArray(DS, s.o, off + c).mul(a)).intoArray(s.o, off + c);
                b1.fma(bv, DoubleVector.fromArray(DS, s.o, off + c + dl).mul(a)).intoArray(s.o, off + c + dl);
            }
        }
    }

    /** out = O / l and LSE = m + log l into the F64 results; a query without keys: 0 and -inf. */
    private static void finish(Scratch s, int h, int i0, int n, int tq, int tk, int dv, int dvp, int mask,
                               MemorySegment out, MemorySegment lse) {
        int dl = DS.length();
        for (int r = 0; r < n; r += dl) {
            VectorMask<Double> in = DS.indexInRange(r, n);
            DoubleVector l = DoubleVector.fromArray(DS, s.l, r, in);
            // rows without keys have l = 0: log 0 = -inf, replaced below
            VectorMath.log(l.blend(1.0, l.compare(VectorOperators.EQ, 0.0))).intoArray(s.fb, r, in);
        }
        for (int r = 0; r < n; r++) {
            long item = (long) h * tq + i0 + r;
            boolean none = Attention.keyLimit(i0 + r, tq, tk, mask) == 0;
            lse.setAtIndex(KernelBackend.DOUBLE, item, none ? Double.NEGATIVE_INFINITY : s.m[r] + s.fb[r]);
            double inv = none ? 0.0 : 1.0 / s.l[r];
            for (int c = 0; c < dv; c++) {
                out.setAtIndex(KernelBackend.DOUBLE, item * dv + c, s.o[r * dvp + c] * inv);
            }
        }
    }
}
