package org.gapscope.tornado;

import org.gapscope.kernels.Attention;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.Crowding;
import org.gapscope.kernels.JensenGap;
import org.gapscope.kernels.LogSumExp;
import org.gapscope.kernels.Positional;
import org.gapscope.kernels.SweepGap;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The TornadoVM tasks: each is one {@code @Parallel} loop over work-items that calls a kernel body of
 * {@code org.gapscope.kernels} (TornadoVM inlines the body), with the same name as the body.
 *
 * <p>Scalar arguments of a task become compile-time constants of the device code (measured:
 * ~1.8x faster than shapes read from memory), so the plans pass only shapes and mode codes as scalars
 * and build one plan per shape. Values that change from call to call without changing the shape
 * (temperature, scale, seeds, law parameters) travel in small parameter arrays instead, so a sweep
 * over them does not recompile.
 *
 * <p>Each task has two sizes: {@code grid}, the loop bound, and the count of work-items (items, rows
 * or tokens) that guards the body. Under a GridScheduler TornadoVM replaces every use of the
 * parameter that bounds a {@code @Parallel} loop by the grid's global size (so one plan could serve
 * several sizes), and the global size is the count rounded up to a multiple of the work-group size:
 * the guard must therefore use a parameter of its own, which stays a compile-time constant.
 *
 * <p>Compiled with -g (the parent pom): TornadoVM reads the local-variable tables of this class.
 */
public final class Tasks {
    private Tasks() {}

    // ---- logSumExp, softmax, logSoftmax ----------------------------------------------------------

    /** p[0] = 1/T. */
    public static void lsePartialF32(float[] x, double[] p, double[] m, double[] d, int grid, int items, int v, int chunks,
                                     int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                LogSumExp.lsePartial(item, x, v, chunks, layout, p[0], m, d);
            }
        }
    }

    public static void lsePartialF64(double[] x, double[] p, double[] m, double[] d, int grid, int items, int v, int chunks,
                                     int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                LogSumExp.lsePartial(item, x, v, chunks, layout, p[0], m, d);
            }
        }
    }

    // ---- FP32 only, for devices without FP64 -------------------------------------------------------

    /**
     * lsePartial for a device without FP64: everything in FP32, exp by TornadoMath.exp(float), the sum
     * compensated (Kahan: the error of the sum stays ~2^-24 relative, independent of the chunk
     * length). Needs strict floating point (the plan compiles it without -cl-fast-relaxed-math, which
     * would reassociate the compensation away). p[0] = 1/T in FP32.
     */
    public static void lsePartialF32c(float[] x, float[] p, float[] m, float[] d, int grid, int items, int v,
                                      int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                int row = item / chunks;
                int c = item % chunks;
                long base = (long) row * v + Chunks.start(v, chunks, c, layout);
                long step = Chunks.step(chunks, layout);
                long count = Chunks.count(v, chunks, c, layout);
                float invT = p[0];
                float mx = -3.4028235e38f;
                for (long k = 0; k < count; k++) {
                    mx = TornadoMath.max(mx, x[(int) (base + k * step)] * invT);
                }
                float s = 0.0f;
                float comp = 0.0f;
                for (long k = 0; k < count; k++) {
                    float y = TornadoMath.exp(x[(int) (base + k * step)] * invT - mx) - comp;
                    float t = s + y;
                    comp = (t - s) - y;
                    s = t;
                }
                m[item] = mx;
                d[item] = s;
            }
        }
    }

    /** Merges a row's FP32 chunk states into (M, D) with a compensated sum; the host adds log D in FP64. */
    public static void lseMergeF32c(float[] m, float[] d, float[] outM, float[] outD, int grid, int rows, int chunks) {
        for (@Parallel int row = 0; row < grid; row++) {
            if (row < rows) { // grid >= the count: see the class comment
                int base = row * chunks;
                float mx = -3.4028235e38f;
                for (int c = 0; c < chunks; c++) {
                    mx = TornadoMath.max(mx, m[base + c]);
                }
                float s = 0.0f;
                float comp = 0.0f;
                for (int c = 0; c < chunks; c++) {
                    float y = d[base + c] * TornadoMath.exp(m[base + c] - mx) - comp;
                    float t = s + y;
                    comp = (t - s) - y;
                    s = t;
                }
                outM[row] = mx;
                outD[row] = s;
            }
        }
    }

    /** Largest work-group of {@link #lsePartialGroupF32}: the size of its local arrays. */
    public static final int MAX_GROUP = 256;

    /**
     * The GPU form of lsePartialF32, a KernelContext launch: one work-group of {@code group} work-items
     * (a power of two, at most {@link #MAX_GROUP}) per chunk; the chunk is contiguous in its row and
     * its work-items read it with stride {@code group} (neighbours read neighbours: coalesced). The
     * group's maximum and then its sum of exp(x/T - max) are reduced in local memory by a tree, and
     * work-item 0 writes the chunk's (m, d) state, laid out as lsePartialF32's. Sums in FP64. Each work-item's
     * strided pass is a kernel body (LogSumExp.groupMax, groupExpSum); the local array, the tree steps
     * and the barriers stay here: with the tree steps in a helper that takes the local array, TornadoVM
     * 5.2.1 (OpenCL, PoCL) compiled wrong results (TornadoBackendTest runs this form on the device).
     */
    public static void lsePartialGroupF32(KernelContext kc, float[] x, double[] p, double[] m, double[] d, int v,
                                          int chunks, int group) {
        double[] local = kc.allocateDoubleLocalArray(256);
        int g = kc.groupIdx;
        int t = kc.localIdx;
        int row = g / chunks;
        int c = g % chunks;
        long base = (long) row * v + Chunks.start(v, chunks, c, Chunks.CONTIGUOUS);
        long count = Chunks.count(v, chunks, c, Chunks.CONTIGUOUS);
        double invT = p[0];
        local[t] = LogSumExp.groupMax(t, group, x, base, count, invT);
        for (int stride = group / 2; stride > 0; stride = stride / 2) {
            kc.localBarrier();
            if (t < stride) {
                local[t] = Math.max(local[t], local[t + stride]);
            }
        }
        kc.localBarrier();
        double top = local[0];
        kc.localBarrier();
        local[t] = LogSumExp.groupExpSum(t, group, x, base, count, invT, top);
        for (int stride = group / 2; stride > 0; stride = stride / 2) {
            kc.localBarrier();
            if (t < stride) {
                local[t] = local[t] + local[t + stride];
            }
        }
        kc.localBarrier();
        if (t == 0) {
            m[g] = top;
            d[g] = local[0];
        }
    }

    public static void lseMerge(double[] m, double[] d, double[] out, int grid, int rows, int chunks) {
        for (@Parallel int row = 0; row < grid; row++) {
            if (row < rows) { // grid >= the count: see the class comment
                LogSumExp.lseMerge(row, chunks, m, d, out);
            }
        }
    }

    /** p[0] = 1/T; log = 0 softmax, 1 log-softmax. */
    public static void softmaxWriteF32(float[] x, double[] p, double[] lse, double[] out, int grid, int items, int v,
                                       int chunks, int layout, int log) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                LogSumExp.softmaxWrite(item, x, v, chunks, layout, p[0], lse, log, out);
            }
        }
    }

    public static void softmaxWriteF64(double[] x, double[] p, double[] lse, double[] out, int grid, int items, int v,
                                       int chunks, int layout, int log) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                LogSumExp.softmaxWrite(item, x, v, chunks, layout, p[0], lse, log, out);
            }
        }
    }

    // ---- jensenGap ---------------------------------------------------------------------------------

    public static void gapPartialF32(float[] logits, float[] extra, double[] headM, double[] headD,
                                     double[] aggM, double[] aggD, double[] meanM, double[] meanD, int grid, int items,
                                     int extraMode, int heads, int v, int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                JensenGap.gapPartial(item, logits, extra, extraMode, heads, v, chunks, layout, headM, headD, aggM, aggD,
                        meanM, meanD);
            }
        }
    }

    public static void gapPartialF64(double[] logits, double[] extra, double[] headM, double[] headD,
                                     double[] aggM, double[] aggD, double[] meanM, double[] meanD, int grid, int items,
                                     int extraMode, int heads, int v, int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                JensenGap.gapPartial(item, logits, extra, extraMode, heads, v, chunks, layout, headM, headD, aggM, aggD,
                        meanM, meanD);
            }
        }
    }

    public static void gapMerge(double[] headM, double[] headD, double[] aggM, double[] aggD, double[] meanM,
                                double[] meanD, double[] logZHeads, double[] logZ, double[] logZMean, int grid, int tokens,
                                int heads, int chunks) {
        for (@Parallel int token = 0; token < grid; token++) {
            if (token < tokens) { // grid >= the count: see the class comment
                JensenGap.gapMerge(token, heads, chunks, headM, headD, aggM, aggD, meanM, meanD, logZHeads, logZ,
                        logZMean);
            }
        }
    }

    // ---- attention ---------------------------------------------------------------------------------

    /** p[0] = scale. */
    public static void attention(double[] q, double[] k, double[] v, double[] p, double[] out, double[] lse,
                                 int grid, int items, int tq, int tk, int d, int dv, int mask) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                Attention.attention(item, q, k, v, tq, tk, d, dv, p[0], mask, out, lse);
            }
        }
    }

    // ---- crowding ----------------------------------------------------------------------------------

    /**
     * p = {a, b, c, scale} of the law, ip = {firstRep, law}, seed = {seed}. scratch holds 4 ints per
     * work-item (the Philox block).
     */
    public static void crowdingPartial(double[] p, int[] ip, long[] seed, int[] scratch, double[] m, double[] d,
                                       int grid, int items, long n, int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                Crowding.crowdingPartial(item, n, chunks, layout, ip[0], seed[0], ip[1], p[0], p[1], p[2], p[3],
                        scratch, m, d);
            }
        }
    }

    // ---- positional --------------------------------------------------------------------------------

    public static void positional(double[] omegas, double[] deltas, double[] f, int grid, int items, int m) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                Positional.positional(item, omegas, m, deltas, f);
            }
        }
    }

    // ---- sweepGap ----------------------------------------------------------------------------------

    /**
     * The sweep's first pass: p = {sigma, margin, cs, ce, T}, ip = {law}, lp = {seed, firstToken};
     * targets[t] = y* of the launch's token t; scratch holds 4 ints per work-item (the Philox block).
     */
    public static void sweepGapPartial(double[] p, int[] ip, long[] lp, int[] targets, int[] scratch, double[] headM,
                                       double[] headD, double[] headD2, double[] aggM, double[] aggD, double[] meanM,
                                       double[] meanD, double[] targetLogits, int grid, int items, int heads, int v,
                                       int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                SweepGap.sweepGapPartial(item, ip[0], heads, v, chunks, layout, lp[1], lp[0], p[0], p[1], p[2], p[3],
                        p[4], targets, scratch, headM, headD, headD2, aggM, aggD, meanM, meanD, targetLogits);
            }
        }
    }

    /**
     * The GPU form of sweepGapPartial, a KernelContext launch: one work-group of {@code group} work-items
     * (a power of two, at most {@link #MAX_GROUP}) per item (token, chunk), the same states out. The chunk's
     * y indices go in rounds of {@code span}, and per round head by head: each work-item draws and folds its
     * indices of the round (SweepGap.groupHeadFold, which also sums L_y into ySums), the group's (m, d, d2)
     * states are reduced in local memory by a tree, and work-item 0 merges the result into the head's
     * state (SweepGap.groupMergeHead). After each round every work-item folds its L_y into its aggregate
     * and mean states (SweepGap.groupSumsFold), reduced by a tree at the end into aggMean[item 4 ..] =
     * (aggregate m, d, mean m, d) (one array: a task takes at most 20 arguments). work holds
     * SweepGap.GROUP_SLOTS doubles and scratch 4 ints per work-item, ySums span doubles per item. The tree
     * steps stay here, as in lsePartialGroupF32.
     */
    public static void sweepGapPartialGroup(KernelContext kc, double[] p, int[] ip, long[] lp, int[] targets,
                                            int[] scratch, double[] work, double[] ySums, double[] headM,
                                            double[] headD, double[] headD2, double[] aggMean,
                                            double[] targetLogits, int heads, int v, int chunks, int layout,
                                            int group, int span) {
        double[] lm = kc.allocateDoubleLocalArray(256);
        double[] ld = kc.allocateDoubleLocalArray(256);
        double[] lm2 = kc.allocateDoubleLocalArray(256);
        double[] ld2 = kc.allocateDoubleLocalArray(256);
        int g = kc.groupIdx;
        int t = kc.localIdx;
        int w = (g * group + t) * SweepGap.GROUP_SLOTS;
        long count = Chunks.count(v, chunks, g % chunks, layout);
        for (long r0 = 0; r0 < count; r0 += span) {
            for (int h = 0; h < heads; h++) {
                SweepGap.groupHeadFold(g, t, group, r0, span, h, ip[0], heads, v, chunks, layout, lp[1], lp[0], p[0],
                        p[1], p[2], p[3], p[4], targets, scratch, work, ySums, targetLogits);
                lm[t] = work[w];
                ld[t] = work[w + 1];
                ld2[t] = work[w + 2];
                for (int stride = group / 2; stride > 0; stride = stride / 2) {
                    kc.localBarrier();
                    if (t < stride) {
                        double top = Math.max(lm[t], lm[t + stride]);
                        double ra = Math.exp(lm[t] - top);
                        double rb = Math.exp(lm[t + stride] - top);
                        ld[t] = ld[t] * ra + ld[t + stride] * rb;
                        ld2[t] = ld2[t] * (ra * ra) + ld2[t + stride] * (rb * rb);
                        lm[t] = top;
                    }
                }
                kc.localBarrier();
                if (t == 0) {
                    SweepGap.groupMergeHead(g, h, heads, r0, lm[0], ld[0], ld2[0], headM, headD, headD2);
                }
                kc.localBarrier();
            }
            SweepGap.groupSumsFold(g, t, group, r0, span, heads, v, chunks, layout, ySums, work);
        }
        lm[t] = work[w + 3];
        ld[t] = work[w + 4];
        lm2[t] = work[w + 5];
        ld2[t] = work[w + 6];
        for (int stride = group / 2; stride > 0; stride = stride / 2) {
            kc.localBarrier();
            if (t < stride) {
                double top = Math.max(lm[t], lm[t + stride]);
                ld[t] = ld[t] * Math.exp(lm[t] - top) + ld[t + stride] * Math.exp(lm[t + stride] - top);
                lm[t] = top;
                double top2 = Math.max(lm2[t], lm2[t + stride]);
                ld2[t] = ld2[t] * Math.exp(lm2[t] - top2) + ld2[t + stride] * Math.exp(lm2[t + stride] - top2);
                lm2[t] = top2;
            }
        }
        kc.localBarrier();
        if (t == 0) {
            aggMean[g * 4] = lm[0];
            aggMean[g * 4 + 1] = ld[0];
            aggMean[g * 4 + 2] = lm2[0];
            aggMean[g * 4 + 3] = ld2[0];
        }
    }

    /**
     * The GPU form of sweepGapBrier, a KernelContext launch: one work-group of {@code group} work-items per
     * item; each work-item's share of the chunk (SweepGap.groupBrier) is added by a tree in local memory and
     * work-item 0 writes mixSq[item].
     */
    public static void sweepGapBrierGroup(KernelContext kc, double[] p, int[] ip, long[] lp, int[] targets,
                                          int[] scratch, double[] logZHeads, double[] mixSq, int heads, int v,
                                          int chunks, int layout, int group) {
        double[] local = kc.allocateDoubleLocalArray(256);
        int g = kc.groupIdx;
        int t = kc.localIdx;
        local[t] = SweepGap.groupBrier(g, t, group, ip[0], heads, v, chunks, layout, lp[1], lp[0], p[0], p[1], p[2],
                p[3], p[4], targets, scratch, logZHeads);
        for (int stride = group / 2; stride > 0; stride = stride / 2) {
            kc.localBarrier();
            if (t < stride) {
                local[t] = local[t] + local[t + stride];
            }
        }
        kc.localBarrier();
        if (t == 0) {
            mixSq[g] = local[0];
        }
    }

    /** The sweep's second pass (parameters as {@link #sweepGapPartial}), given log Z_h. */
    public static void sweepGapBrier(double[] p, int[] ip, long[] lp, int[] targets, int[] scratch, double[] logZHeads,
                                     double[] mixSq, int grid, int items, int heads, int v, int chunks, int layout) {
        for (@Parallel int item = 0; item < grid; item++) {
            if (item < items) { // grid >= the count: see the class comment
                SweepGap.sweepGapBrier(item, ip[0], heads, v, chunks, layout, lp[1], lp[0], p[0], p[1], p[2], p[3],
                        p[4], targets, scratch, logZHeads, mixSq);
            }
        }
    }
}
