package org.gapscope.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.LogSumExp;
import org.gapscope.kernels.Philox;
import org.gapscope.kernels.SweepGap;

/**
 * The Vector API passes of the {@link CpuBackend} that draw their own inputs from Philox: the crowding
 * simulation ({@link #drawChunk}) and the passes of the fused sweep ({@link #sweepGapItem}, with or
 * without the heads' pair states, and the redraw pass {@link #sweepGapBrierItem} where those are not kept). Signatures are free of vector types, as in {@link VectorPasses}.
 *
 * <p>Structure, for speed. The draws of a block go through <em>stage loops</em>, each a single vector loop
 * over per-thread buffers that stay in L1: Philox ({@link #philoxUniforms}), the Box-Muller radii
 * ({@link #radii}), the reduced cos and sin ({@code VectorMath.polarReduce}), their quadrants
 * ({@code VectorMath.polarQuadrants}), the laws, the head logits, the head states, and so on. The drivers
 * call every stage through {@link #stage}, one call site that sees every stage's class, so C2 cannot inline a
 * stage into its driver and compiles each on its own. That matters: C2 stops inlining inside one compiled
 * method after a node budget (NodeCountInliningCutoff), which a driver with its stages inlined (each vector
 * operation expands into many nodes while it is parsed) exceeds, and a vector helper left out of line takes
 * and returns its vectors boxed on the heap, several times slower. Which stage runs where does not change a
 * bit: every operation is IEEE-exact or one rounding in any JIT mode (see {@link VectorMath}).
 */
final class VectorDraws {
    private VectorDraws() {}

    static final VectorSpecies<Double> DS = VectorPasses.DS;
    static final VectorSpecies<Float> FS = VectorPasses.FS;
    static final VectorSpecies<Long> LS = VectorPasses.LS;
    /** Float species with as many lanes as DS: the float32 rounding of a double vector. */
    static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));

    /** Draws per block (one max, one exp pass) inside a crowding chunk. */
    static final int BLOCK = 256;
    /** y values per block of the sweep passes (a multiple of 2 x the double lanes). */
    static final int SWEEP_BLOCK = 512;
    static final boolean SWEEP_VECTOR = FH.length() == DS.length() && SWEEP_BLOCK % (2 * DS.length()) == 0;

    static final long MASK32 = 0xFFFFFFFFL;
    static final long M0 = Philox.M0 & MASK32;
    static final long M1 = Philox.M1 & MASK32;
    static final int W0 = Philox.W0;
    static final int W1 = Philox.W1;

    // ---- stage loops ----------------------------------------------------------------------------

    /**
     * Per-thread buffers of the draws and the arguments and results of the stage loops (set by a driver,
     * then {@link #stage} runs a stage on them).
     */
    static final class Work {
        private static final int L = DS.length();
        /** Uniforms of a block's Philox counters (pairs: (len + 1) / 2 + 1 of them, rounded up to vectors). */
        final double[] u1 = new double[SWEEP_BLOCK / 2 + 2 * L];
        final double[] u2 = new double[SWEEP_BLOCK / 2 + 2 * L];
        /** The Philox words of those counters ({@link #philoxWords}: rounded up to two vectors). */
        final long[] words = new long[4 * (SWEEP_BLOCK / 2 + 2 * L)];
        /** A crowding block. */
        final double[] x = new double[BLOCK + 2 * L];
        /** Head noise and shared noise of a sweep block (slot order) and pairs of an odd start. */
        final double[] e = new double[SWEEP_BLOCK + 4 * L];
        final double[] z = new double[SWEEP_BLOCK + 4 * L];
        final double[] pairs = new double[SWEEP_BLOCK + 4 * L];
        final double[] tail = new double[2 * L + 1];
        final float[] f = new float[SWEEP_BLOCK];
        final double[] agg = new double[SWEEP_BLOCK];
        final double[] mix = new double[SWEEP_BLOCK];
        final double[] st = new double[2];
        final int[] scratch = new int[4];
        /** Pair states ({@link #blockPairs}): the heads' e of a block, [heads rounded up to 4][SWEEP_BLOCK]. */
        float[] eh = new float[0];
        /** The item's FP64 pair states, lane by lane: [h * heads + k][DS lanes] for h &lt; k. */
        double[] pv = new double[0];
        /** Per head, the block's factors of the old state (sc) and of the block (rc). */
        double[] sc = new double[0];
        double[] rc = new double[0];
        /** A pair tile's FP32 accumulators, 16 vectors. */
        final float[] acc = new float[16 * FS.length()];

        // arguments: Philox and Box-Muller
        long j0;
        int rep;
        long seed;
        int n;
        double radScale;
        double[] out;
        // crowding laws
        int law;
        double a;
        double b;
        double scale;
        // sums and the sweep's logits
        double[] src;
        int len;
        double m;
        float fm;
        boolean first;
        double logZ;
        double sigma;
        double cs;
        double ce;
        double temperature;
        double margin;
        int ps;
        // the pair states: e of head state into eOut from eOff (null: none), heads and block length in vectors
        float[] eOut;
        int eOff;
        int heads;
        int nv;
        // results
        double max;
        float fmax;
        double sum;

        /** The Philox counters of stage {@link #PHILOX}: j0 .. j0 + n - 1 of repetition rep. */
        void counters(long first, int repetition, long key, int count) {
            j0 = first;
            rep = repetition;
            seed = key;
            n = count;
        }
    }

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    /** A stage loop run on a {@link Work}. */
    @FunctionalInterface
    private interface Stage {
        void run(Work w);
    }

    static final int PHILOX = 0;
    static final int RADII = 1;
    static final int POLAR_REDUCE = 2;
    static final int POLAR_QUADRANTS = 3;
    static final int SHIFT_SCALE = 4;
    static final int LAW = 5;
    static final int EXP_SUM = 6;
    static final int HEAD_LOGITS = 7;
    static final int HEAD_STATE = 8;
    static final int MIX_ADD = 9;
    static final int PAIRS = 10;

    /** The stages by id (the elements of an array are not constants to C2: the call in {@link #stage} stays virtual). */
    private static final Stage[] STAGES = {
        w -> philoxUniforms(w.j0, w.rep, w.seed, w.n, w.u1, w.u2, w.words),
        w -> radii(w.u1, w.n, w.radScale),
        w -> VectorMath.polarReduce(w.u2, w.n, w.out),
        w -> VectorMath.polarQuadrants(w.u1, w.u2, w.n, w.out),
        w -> w.max = shiftScale(w.x, w.n, w.a, w.scale),
        w -> w.max = lawBlock(w.u1, w.n, w.law, w.a, w.b, w.scale, w.x),
        w -> w.sum = blockExpSum(w.src, 0, w.len, w.m),
        w -> w.fmax = headLogits(w.law, w.e, w.z, w.len, w.sigma, w.cs, w.ce, w.temperature, w.ps, w.margin, w.f),
        w -> headState(w.f, w.len, w.fm, w.first, w.agg, w.st, w.eOut, w.eOff),
        w -> mixAdd(w.f, w.len, w.logZ, w.first, w.mix),
        w -> blockPairs(w.eh, w.heads, w.nv, w.sc, w.rc, w.pv, w.acc),
    };

    /** Runs stage id on w: the one call site of every stage (see the class comment). */
    static void stage(int id, Work w) {
        STAGES[id].run(w);
    }

    /**
     * Philox blocks of counters j0 + k, k in [0, n) rounded up to whole vectors (u1 and u2 hold that many),
     * repetition rep (stream 0): u1[k] from words 0 and 1, u2[k] from words 2 and 3, each as
     * {@code Philox.uniform}. The words go through {@code words} ({@link #philoxWords}).
     */
    static void philoxUniforms(long j0, int rep, long seed, int n, double[] u1, double[] u2, long[] words) {
        int lanes = LS.length();
        philoxWords(j0, rep, seed, n, words);
        for (int k = 0; k < n; k += lanes) {
            int o = 4 * k;
            uniform(LongVector.fromArray(LS, words, o), LongVector.fromArray(LS, words, o + lanes)).intoArray(u1, k);
            uniform(LongVector.fromArray(LS, words, o + 2 * lanes), LongVector.fromArray(LS, words, o + 3 * lanes))
                    .intoArray(u2, k);
        }
    }

    /**
     * The four 32-bit words of the Philox blocks of counters j0 + k, k in [0, n) rounded up to two vectors
     * (words holds 4 x that many), repetition rep: for the vector of counters from c, word i at
     * words[4 c + i L, 4 c + (i + 1) L). Two vectors of counters per step, their rounds interleaved: one
     * chain of multiply, shift and xor per round would leave the multiplier idle for its latency. (The
     * conversion to uniforms stays out of this method: in one method with it, C2's node count stops
     * inlining and the vectors are boxed.)
     */
    static void philoxWords(long j0, int rep, long seed, int n, long[] words) {
        int lanes = LS.length();
        int s0 = (int) seed;
        int s1 = (int) (seed >> 32);
        LongVector lane = LongVector.zero(LS).addIndex(1);
        LongVector x2init = LongVector.broadcast(LS, rep & MASK32);
        for (int k = 0; k < n; k += 2 * lanes) {
            LongVector idx = lane.add(j0 + k);
            LongVector idy = lane.add(j0 + k + lanes);
            LongVector x0 = idx.and(MASK32);
            LongVector x1 = idx.lanewise(VectorOperators.ASHR, 32).and(MASK32);
            LongVector y0 = idy.and(MASK32);
            LongVector y1 = idy.lanewise(VectorOperators.ASHR, 32).and(MASK32);
            LongVector x2 = x2init;
            LongVector y2 = x2init;
            LongVector x3 = LongVector.zero(LS);
            LongVector y3 = x3;
            int k0 = s0;
            int k1 = s1;
            for (int round = 0; round < 10; round++) {
                long a = k0 & MASK32;
                long b = k1 & MASK32;
                LongVector p0 = x0.mul(M0);
                LongVector p1 = x2.mul(M1);
                LongVector q0 = y0.mul(M0);
                LongVector q1 = y2.mul(M1);
                x0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x1)
                        .lanewise(VectorOperators.XOR, a);
                x2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x3)
                        .lanewise(VectorOperators.XOR, b);
                y0 = q1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, y1)
                        .lanewise(VectorOperators.XOR, a);
                y2 = q0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, y3)
                        .lanewise(VectorOperators.XOR, b);
                x1 = p1.and(MASK32);
                x3 = p0.and(MASK32);
                y1 = q1.and(MASK32);
                y3 = q0.and(MASK32);
                k0 += W0;
                k1 += W1;
            }
            int o = 4 * k;
            x0.intoArray(words, o);
            x1.intoArray(words, o + lanes);
            x2.intoArray(words, o + 2 * lanes);
            x3.intoArray(words, o + 3 * lanes);
            y0.intoArray(words, o + 4 * lanes);
            y1.intoArray(words, o + 5 * lanes);
            y2.intoArray(words, o + 6 * lanes);
            y3.intoArray(words, o + 7 * lanes);
        }
    }

    /** Philox words (hi, lo) to a double in (0, 1), exactly as {@code Philox.uniform}. */
    static DoubleVector uniform(LongVector hi, LongVector lo) {
        LongVector j = hi.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 26)
                .add(lo.lanewise(VectorOperators.LSHR, 6));
        return ((DoubleVector) j.convert(VectorOperators.L2D, 0)).add(0.5).mul(2.220446049250313E-16);
    }

    /** Box-Muller radii in place: u[k] = b sqrt(-2 log u[k]) over k in [0, n) rounded up to whole vectors. */
    static void radii(double[] u, int n, double b) {
        int lanes = DS.length();
        for (int k = 0; k < n; k += lanes) {
            VectorMath.log(DoubleVector.fromArray(DS, u, k)).mul(-2.0).lanewise(VectorOperators.SQRT).mul(b)
                    .intoArray(u, k);
        }
    }

    /**
     * The Gaussian pairs of Philox counters j0 .. j0 + n - 1 (repetition rep), times b, into out: a step of L
     * pairs from k stores its cos halves (draws 2j) in out[2k, 2k + L) and its sin halves (draws 2j + 1) in
     * out[2k + L, 2k + 2L), as {@code Laws.draw}'s pairs a + b r cos, a + b r sin without a (b = 1: exact).
     * Stages {@link #PHILOX}, {@link #RADII}, {@link #POLAR_REDUCE}, {@link #POLAR_QUADRANTS}.
     */
    static void gaussianPairs(long j0, int rep, long seed, int n, double b, double[] out, Work w) {
        w.counters(j0, rep, seed, n);
        w.radScale = b;
        w.out = out;
        stage(PHILOX, w);
        stage(RADII, w);
        stage(POLAR_REDUCE, w);
        stage(POLAR_QUADRANTS, w);
    }

    // ---- crowding ----------------------------------------------------------------------------------

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
        Work w = WORK.get();
        double[] buf = w.x;
        int lanes = LS.length();
        boolean gauss = law == Laws.GAUSSIAN;
        int step = gauss ? 2 * lanes : lanes;
        double mx = LogSumExp.LOWEST;
        double sum = 0;
        long first = start;
        long end = start + count;
        if (gauss && count > 0 && (start & 1L) != 0) {
            mx = scale * Laws.draw(start, rep, seed, law, a, b, c, w.scratch, 0);
            sum = 1.0;
            first = start + 1;
        }
        w.a = a;
        w.b = b;
        w.scale = scale;
        w.law = law;
        for (long b0 = first; b0 < end; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, end - b0);
            int vecLen = len - len % step;
            if (gauss) {
                gaussianPairs(b0 >> 1, rep, seed, vecLen / 2, b, buf, w);
                w.n = vecLen;
                stage(SHIFT_SCALE, w);
            } else {
                w.counters(b0, rep, seed, vecLen);
                stage(PHILOX, w);
                stage(LAW, w);
            }
            double bm = vecLen > 0 ? w.max : LogSumExp.LOWEST;
            // block state, folded into the running state
            for (int i = vecLen; i < len; i++) {
                buf[i] = scale * Laws.draw(b0 + i, rep, seed, law, a, b, c, w.scratch, 0);
                bm = Math.max(bm, buf[i]);
            }
            double bs = expSum(buf, len, bm, w);
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

    /** buf[i] = (buf[i] + a) * scale over the block's vector part; returns its max. */
    static double shiftScale(double[] buf, int vecLen, double a, double scale) {
        int lanes = DS.length();
        DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
        for (int i = 0; i < vecLen; i += lanes) {
            DoubleVector x = DoubleVector.fromArray(DS, buf, i).add(a).mul(scale);
            vmax = vmax.max(x);
            x.intoArray(buf, i);
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** Gumbel, uniform or exponential draws of crowding from uniforms u, times scale, into buf; returns the max. */
    static double lawBlock(double[] u, int vecLen, int law, double a, double b, double scale, double[] buf) {
        int lanes = DS.length();
        DoubleVector vmax = DoubleVector.broadcast(DS, LogSumExp.LOWEST);
        for (int i = 0; i < vecLen; i += lanes) {
            DoubleVector u1 = DoubleVector.fromArray(DS, u, i);
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
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** sum exp(x[i] - m) over x[0, len): stage {@link #EXP_SUM}. */
    static double expSum(double[] x, int len, double m, Work w) {
        w.src = x;
        w.len = len;
        w.m = m;
        stage(EXP_SUM, w);
        return w.sum;
    }

    /**
     * sum exp(x[i] - m) over x[from, from + len) in FP64 (vector exp, lanes summed in lane order, then the
     * tail): a crowding block's, and a head's in {@code CpuBackend.mixtureLogZ}.
     */
    static double blockExpSum(double[] x, int from, int len, double m) {
        int dl = DS.length();
        int bound = len - len % dl;
        double s = 0;
        if (bound > 0) {
            DoubleVector acc = DoubleVector.zero(DS);
            for (int i = 0; i < bound; i += dl) {
                acc = acc.add(VectorMath.exp(DoubleVector.fromArray(DS, x, from + i).sub(m)));
            }
            for (int l = 0; l < dl; l++) {
                s += acc.lane(l);
            }
        }
        for (int i = bound; i < len; i++) {
            s += Math.exp(x[from + i] - m);
        }
        return s;
    }

    // ---- sweepGap ------------------------------------------------------------------------------------

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
     * cos for 2j and sin for 2j + 1, pairs j0 = i0 / 2 .. (i0 + len) / 2 ({@link #gaussianPairs}). When i0 is
     * even a step's pairs land in slot order as they are; when i0 is odd (V odd: pairs straddle heads and
     * tokens) a step's even offsets are the sin halves of its pairs and its odd offsets the cos halves of the
     * pairs one further on. The tail goes back to offset order.
     */
    static void normals(long i0, int rep, long seed, int len, Work w, double[] out) {
        int lanes = DS.length();
        int step = 2 * lanes;
        int vecLen = len - len % step;
        int odd = (int) (i0 & 1L);
        double[] p = odd == 0 ? out : w.pairs;
        gaussianPairs(i0 >> 1, rep, seed, (len + odd + 1) / 2, 1.0, p, w);
        if (odd == 1) {
            for (int k = 0; k < vecLen; k += step) {
                DoubleVector.fromArray(DS, p, k + lanes).intoArray(out, k);
                DoubleVector.fromArray(DS, p, k + 1).intoArray(out, k + lanes);
                out[k + step - 1] = p[k + step];
            }
        }
        double[] tail = w.tail;
        System.arraycopy(p, vecLen, tail, 0, step); // r < len % step + odd <= step: one step of pairs
        for (int o = vecLen; o < len; o++) {
            int r = o + odd - vecLen; // the tail's draw r: pair r / 2 of its step, cos (r even) or sin half
            out[o] = tail[(r & 1) == 0 ? r / 2 : lanes + r / 2];
        }
    }

    /**
     * Head h's logits of a block of len y in slot order, as {@code SweepGap.logit} computes them: the law
     * in FP64 from the head noise e and the shared noise z (identical, correlated), + margin at slot ps
     * (none when ps &lt; 0), / T, rounded to float32, into f. Returns their maximum.
     */
    static float headLogits(int law, double[] e, double[] z, int len, double sigma, double cs, double ce,
                            double temperature, int ps, double margin, float[] f) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        FloatVector vmax = FloatVector.broadcast(FH, -Float.MAX_VALUE);
        for (int i = 0; i < bound; i += lanes) {
            DoubleVector x;
            if (law == SweepGap.IDENTICAL) {
                x = DoubleVector.fromArray(DS, z, i).mul(sigma);
            } else if (law == SweepGap.CORRELATED) {
                x = DoubleVector.fromArray(DS, z, i).mul(cs).add(DoubleVector.fromArray(DS, e, i).mul(ce)).mul(sigma);
            } else {
                x = DoubleVector.fromArray(DS, e, i).mul(sigma);
            }
            if (temperature != 1.0) { // x / 1 = x: the division only where it can change x
                x = x.div(temperature);
            }
            FloatVector l = (FloatVector) x.convertShape(VectorOperators.D2F, FH, 0);
            vmax = vmax.max(l);
            l.intoArray(f, i);
        }
        float bm = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        for (int i = bound; i < len; i++) {
            f[i] = (float) (lawLogit(law, e, z, i, sigma, cs, ce) / temperature);
            bm = Math.max(bm, f[i]);
        }
        if (ps >= 0) {
            float before = f[ps];
            f[ps] = (float) ((lawLogit(law, e, z, ps, sigma, cs, ce) + margin) / temperature);
            bm = Math.max(bm, f[ps]);
            if (f[ps] < before) { // a negative margin lowered the value that may have been the maximum
                bm = -Float.MAX_VALUE;
                for (int i = 0; i < len; i++) {
                    bm = Math.max(bm, f[i]);
                }
            }
        }
        return bm;
    }

    /** The law's FP64 value before margin and temperature at slot i (scalar form of {@link #headLogits}). */
    private static double lawLogit(int law, double[] e, double[] z, int i, double sigma, double cs, double ce) {
        return law == SweepGap.IDENTICAL ? sigma * z[i]
                : law == SweepGap.CORRELATED ? sigma * (cs * z[i] + ce * e[i]) : sigma * e[i];
    }

    /**
     * Head state of a block: st = {sum exp(f - m), sum exp(f - m)^2} (exp and square in FP32 lanes, lanes
     * folded into FP64 in lane order), and agg = f (first head) or agg + f, widened, in FP64. With eOut
     * (not null) also the terms e = exp(f - m) in FP32 into eOut[eOff, eOff + len) (the tail's FP64 exp
     * rounded to FP32), then zeros up to a whole number of FP32 vectors, for {@link #blockPairs}.
     */
    static void headState(float[] f, int len, float m, boolean first, double[] agg, double[] st, float[] eOut,
                          int eOff) {
        int fl = FS.length();
        int dl = DS.length();
        int fb = FS.loopBound(len);
        double bd = 0;
        double bd2 = 0;
        if (fb > 0) {
            FloatVector acc = FloatVector.zero(FS);
            FloatVector acc2 = FloatVector.zero(FS);
            for (int i = 0; i < fb; i += fl) {
                FloatVector y = FloatVector.fromArray(FS, f, i);
                FloatVector ex = VectorMath.exp(y.sub(m));
                if (eOut != null) {
                    ex.intoArray(eOut, eOff + i);
                }
                acc = acc.add(ex);
                acc2 = acc2.add(ex.mul(ex));
                DoubleVector y0 = (DoubleVector) y.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector y1 = (DoubleVector) y.convertShape(VectorOperators.F2D, DS, 1);
                if (!first) {
                    y0 = DoubleVector.fromArray(DS, agg, i).add(y0);
                    y1 = DoubleVector.fromArray(DS, agg, i + dl).add(y1);
                }
                y0.intoArray(agg, i);
                y1.intoArray(agg, i + dl);
            }
            for (int k = 0; k < fl; k++) {
                bd += acc.lane(k);
                bd2 += acc2.lane(k);
            }
        }
        for (int i = fb; i < len; i++) {
            double ex = Math.exp((double) (f[i] - m));
            bd += ex;
            bd2 += ex * ex;
            agg[i] = first ? f[i] : agg[i] + f[i];
            if (eOut != null) {
                eOut[eOff + i] = (float) ex;
            }
        }
        if (eOut != null && fb < len) {
            for (int i = len; i < fb + fl; i++) {
                eOut[eOff + i] = 0f;
            }
        }
        st[0] = bd;
        st[1] = bd2;
    }

    /** Heads per pair tile of {@link #blockPairs} (rows and columns). */
    static final int PAIR_TILE = 4;
    /** The pairs (a, b), a &lt; b, of a diagonal tile, in the order of its accumulators. */
    private static final int[] DIAG_A = {0, 0, 0, 1, 1, 2};
    private static final int[] DIAG_B = {1, 2, 3, 2, 3, 3};

    /**
     * A block's pair sums folded into the item's pair states (stage {@link #PAIRS}): for every pair of heads
     * h &lt; k, B_hk = sum over the block's y of e_h(y) e_k(y) (e = exp(f - block max) of {@link #headState},
     * rows of e of SWEEP_BLOCK floats, nv of them used: whole FP32 vectors, zero-padded), the products fused
     * and summed in FP32 lanes over the block (SWEEP_BLOCK / lanes terms per lane at most), the lanes folded
     * into FP64 pairwise (lane i with lane i + DS lanes) and then, per FP64 lane, P_hk = P_hk (sc_h sc_k) +
     * B_hk (rc_h rc_k), the same rescaling as the head's d2 with its maxima. Register-tiled: 4 x 4 heads per
     * tile (6 pairs on the diagonal), 16 FP32 vector accumulators, rows of heads beyond {@code heads} (up to
     * a multiple of 4) zero and never folded. Fixed order everywhere: same bits on every run and thread.
     */
    static void blockPairs(float[] e, int heads, int nv, double[] sc, double[] rc, double[] pv, float[] acc) {
        int sb = SWEEP_BLOCK;
        for (int h0 = 0; h0 < heads; h0 += PAIR_TILE) {
            diagonalTile(e, h0 * sb, nv, acc);
            for (int j = 0; j < DIAG_A.length; j++) {
                int k = h0 + DIAG_B[j];
                if (k < heads) {
                    foldPair(acc, j, h0 + DIAG_A[j], k, heads, sc, rc, pv);
                }
            }
            for (int k0 = h0 + PAIR_TILE; k0 < heads; k0 += PAIR_TILE) {
                tile(e, h0 * sb, k0 * sb, nv, acc);
                for (int r = 0; r < PAIR_TILE && h0 + r < heads; r++) {
                    for (int c = 0; c < PAIR_TILE && k0 + c < heads; c++) {
                        foldPair(acc, r * PAIR_TILE + c, h0 + r, k0 + c, heads, sc, rc, pv);
                    }
                }
            }
        }
    }

    /**
     * The 6 pairs (a, b), a &lt; b, of the 4 rows of e from a0 (row stride SWEEP_BLOCK) over [0, nv): the
     * FP32 lanes of sum e_a e_b (fused products, in order) into acc, pair j at j * lanes.
     */
    static void diagonalTile(float[] e, int a0, int nv, float[] acc) {
        int fl = FS.length();
        int a1 = a0 + SWEEP_BLOCK;
        int a2 = a1 + SWEEP_BLOCK;
        int a3 = a2 + SWEEP_BLOCK;
        FloatVector z = FloatVector.zero(FS);
        FloatVector d01 = z, d02 = z, d03 = z, d12 = z, d13 = z, d23 = z;
        for (int i = 0; i < nv; i += fl) {
            FloatVector x0 = FloatVector.fromArray(FS, e, a0 + i);
            FloatVector x1 = FloatVector.fromArray(FS, e, a1 + i);
            FloatVector x2 = FloatVector.fromArray(FS, e, a2 + i);
            FloatVector x3 = FloatVector.fromArray(FS, e, a3 + i);
            d01 = x0.fma(x1, d01);
            d02 = x0.fma(x2, d02);
            d03 = x0.fma(x3, d03);
            d12 = x1.fma(x2, d12);
            d13 = x1.fma(x3, d13);
            d23 = x2.fma(x3, d23);
        }
        d01.intoArray(acc, 0);
        d02.intoArray(acc, fl);
        d03.intoArray(acc, 2 * fl);
        d12.intoArray(acc, 3 * fl);
        d13.intoArray(acc, 4 * fl);
        d23.intoArray(acc, 5 * fl);
    }

    /**
     * The 4 x 4 pairs of rows a0 .. (rows of e from a0, stride SWEEP_BLOCK) and rows b0 .. over [0, nv): the
     * FP32 lanes of sum e_a e_b (fused products, in order) into acc, pair (r, c) at (4 r + c) * lanes.
     */
    static void tile(float[] e, int a0, int b0, int nv, float[] acc) {
        int fl = FS.length();
        int sb = SWEEP_BLOCK;
        int a1 = a0 + sb;
        int a2 = a1 + sb;
        int a3 = a2 + sb;
        int b1 = b0 + sb;
        int b2 = b1 + sb;
        int b3 = b2 + sb;
        FloatVector z = FloatVector.zero(FS);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        for (int i = 0; i < nv; i += fl) {
            FloatVector y0 = FloatVector.fromArray(FS, e, b0 + i);
            FloatVector y1 = FloatVector.fromArray(FS, e, b1 + i);
            FloatVector y2 = FloatVector.fromArray(FS, e, b2 + i);
            FloatVector y3 = FloatVector.fromArray(FS, e, b3 + i);
            FloatVector x = FloatVector.fromArray(FS, e, a0 + i);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02); c03 = x.fma(y3, c03);
            x = FloatVector.fromArray(FS, e, a1 + i);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12); c13 = x.fma(y3, c13);
            x = FloatVector.fromArray(FS, e, a2 + i);
            c20 = x.fma(y0, c20); c21 = x.fma(y1, c21); c22 = x.fma(y2, c22); c23 = x.fma(y3, c23);
            x = FloatVector.fromArray(FS, e, a3 + i);
            c30 = x.fma(y0, c30); c31 = x.fma(y1, c31); c32 = x.fma(y2, c32); c33 = x.fma(y3, c33);
        }
        c00.intoArray(acc, 0); c01.intoArray(acc, fl); c02.intoArray(acc, 2 * fl); c03.intoArray(acc, 3 * fl);
        c10.intoArray(acc, 4 * fl); c11.intoArray(acc, 5 * fl); c12.intoArray(acc, 6 * fl); c13.intoArray(acc, 7 * fl);
        c20.intoArray(acc, 8 * fl); c21.intoArray(acc, 9 * fl); c22.intoArray(acc, 10 * fl);
        c23.intoArray(acc, 11 * fl);
        c30.intoArray(acc, 12 * fl); c31.intoArray(acc, 13 * fl); c32.intoArray(acc, 14 * fl);
        c33.intoArray(acc, 15 * fl);
    }

    /**
     * Accumulator j of a pair tile (FP32 lanes in acc) into the FP64 lane state of pair (h, k): lanes i and
     * i + DS lanes added in FP64 (exact: two FP32 values), then P = P (sc_h sc_k) + B (rc_h rc_k).
     */
    private static void foldPair(float[] acc, int j, int h, int k, int heads, double[] sc, double[] rc, double[] pv) {
        FloatVector a = FloatVector.fromArray(FS, acc, j * FS.length());
        DoubleVector blk = ((DoubleVector) a.convertShape(VectorOperators.F2D, DS, 0))
                .add((DoubleVector) a.convertShape(VectorOperators.F2D, DS, 1));
        int o = (h * heads + k) * DS.length();
        DoubleVector.fromArray(DS, pv, o).mul(sc[h] * sc[k]).add(blk.mul(rc[h] * rc[k])).intoArray(pv, o);
    }

    /** Sizes w's pair buffers for {@code heads} and clears the item's pair states and the padding rows of e. */
    private static void pairsStart(Work w, int heads) {
        int rows = (heads + PAIR_TILE - 1) / PAIR_TILE * PAIR_TILE;
        if (w.eh.length < rows * SWEEP_BLOCK) {
            w.eh = new float[rows * SWEEP_BLOCK];
        }
        int states = heads * heads * DS.length();
        if (w.pv.length < states) {
            w.pv = new double[states];
            w.sc = new double[heads];
            w.rc = new double[heads];
        }
        java.util.Arrays.fill(w.pv, 0, states, 0.0);
        java.util.Arrays.fill(w.eh, heads * SWEEP_BLOCK, rows * SWEEP_BLOCK, 0f);
        w.heads = heads;
    }

    /**
     * The item's pair states out: pairs[off + p(h, k)] = P_hk, h &lt; k, packed row by row
     * ({@link SweepGap#pairIndex}), the FP64 lanes summed in lane order.
     */
    private static void pairsOut(Work w, int heads, double[] pairs, int off) {
        int dl = DS.length();
        int p = off;
        for (int h = 0; h < heads; h++) {
            for (int k = h + 1; k < heads; k++) {
                int o = (h * heads + k) * dl;
                double s = 0;
                for (int l = 0; l < dl; l++) {
                    s += w.pv[o + l];
                }
                pairs[p++] = s;
            }
        }
    }

    /** Sets the point's constants of the sweep passes in w. */
    private static void sweepPoint(Work w, int law, double sigma, double margin, double cs, double ce,
                                   double temperature) {
        w.law = law;
        w.sigma = sigma;
        w.margin = margin;
        w.cs = cs;
        w.ce = ce;
        w.temperature = temperature;
    }

    /**
     * One (token, chunk) work-item of the sweep's first pass ({@code SweepGap.sweepGapPartial}'s states), in
     * blocks of {@link #SWEEP_BLOCK} y: per head, the block's logits in float32 lanes (max; exp and its square
     * in FP32, lanes folded into FP64) folded into the head's (m, d, d2); the aggregate L = sum_h l in FP64
     * (head order, as the reference) and its and the mean's (m, d) in FP64; l^(h)_{y*} when y* is in the
     * chunk. With {@code pairs} (not null) also the item's pair states P_hk = sum over the chunk of
     * exp(l_h - m_h) exp(l_k - m_k), h &lt; k, relative to the same maxima m_h as hm ({@link #blockPairs}),
     * into pairs[item H(H-1)/2 ..] ({@code SweepGap.pairIndex}): what {@code SweepGap.sweepGapPairBrier}
     * turns into the Brier term without the second pass.
     */
    static void sweepGapItem(int law, long b, int heads, int v, long start, int count, int target, long seed,
                             double sigma, double margin, double cs, double ce, double temperature, double[] hm,
                             double[] hd, double[] hd2, double[] am, double[] ad, double[] mm, double[] md, int item,
                             double[] lt, int ltOff, double[] pairs) {
        Work w = WORK.get();
        sweepPoint(w, law, sigma, margin, cs, ce, temperature);
        boolean withPairs = pairs != null;
        if (withPairs) {
            pairsStart(w, heads);
        }
        w.eOut = null;
        int hb = item * heads;
        for (int h = 0; h < heads; h++) {
            hm[hb + h] = LogSumExp.LOWEST;
            hd[hb + h] = 0;
            hd2[hb + h] = 0;
        }
        double[] agg = w.agg;
        double[] mean = w.mix;
        double[] st = w.st;
        double[] aggState = {LogSumExp.LOWEST, 0};
        double[] meanState = {LogSumExp.LOWEST, 0};
        for (int o0 = 0; o0 < count; o0 += SWEEP_BLOCK) {
            int len = Math.min(SWEEP_BLOCK, count - o0);
            long y0 = start + o0;
            sharedNoise(law, b, v, y0, len, seed, w);
            long tOff = target - y0;
            int ts = tOff >= 0 && tOff < len ? slot((int) tOff, len) : -1;
            for (int h = 0; h < heads; h++) {
                float bm = blockLogits(b, h, heads, v, y0, len, target, seed, w);
                if (ts >= 0) {
                    lt[ltOff + h] = w.f[ts];
                }
                w.fm = bm;
                w.first = h == 0;
                if (withPairs) {
                    w.eOut = w.eh;
                    w.eOff = h * SWEEP_BLOCK;
                }
                stage(HEAD_STATE, w);
                double m = hm[hb + h];
                if (bm > m) {
                    double r = Math.exp(m - bm);
                    hd[hb + h] = hd[hb + h] * r + st[0];
                    hd2[hb + h] = hd2[hb + h] * (r * r) + st[1];
                    hm[hb + h] = bm;
                    if (withPairs) {
                        w.sc[h] = r;
                        w.rc[h] = 1.0;
                    }
                } else {
                    double r = Math.exp(bm - m);
                    hd[hb + h] += st[0] * r;
                    hd2[hb + h] += st[1] * (r * r);
                    if (withPairs) {
                        w.sc[h] = 1.0;
                        w.rc[h] = r;
                    }
                }
            }
            if (withPairs && heads > 1) {
                w.nv = (len + FS.length() - 1) / FS.length() * FS.length();
                stage(PAIRS, w);
            }
            // the mean logits L / H (FP64 division, as the reference), then the aggregate
            meanOf(agg, len, heads, mean);
            foldBlock(mean, len, meanState, w);
            foldBlock(agg, len, aggState, w);
        }
        am[item] = aggState[0];
        ad[item] = aggState[1];
        mm[item] = meanState[0];
        md[item] = meanState[1];
        if (withPairs) {
            w.eOut = null;
            pairsOut(w, heads, pairs, item * (heads * (heads - 1) / 2));
        }
    }

    /** Folds the block x[0, len) (max, then {@link #expSum}) into the running state {m, d}. */
    private static void foldBlock(double[] x, int len, double[] state, Work w) {
        double bm = VectorPasses.max(x, len);
        double bs = expSum(x, len, bm, w);
        if (bm > state[0]) {
            state[1] = state[1] * Math.exp(state[0] - bm) + bs;
            state[0] = bm;
        } else {
            state[1] += bs * Math.exp(bm - state[0]);
        }
    }

    /** The shared noise z of block [y0, y0 + len) of token b into w.z (identical, correlated laws). */
    private static void sharedNoise(int law, long b, int v, long y0, int len, long seed, Work w) {
        if (law == SweepGap.IDENTICAL || law == SweepGap.CORRELATED) {
            normals(b * v + y0, SweepGap.REP_SHARED, seed, len, w, w.z);
        }
    }

    /** Head h's logits of block [y0, y0 + len) of token b into w.f ({@link #headLogits}); returns their max. */
    private static float blockLogits(long b, int h, int heads, int v, long y0, int len, int target, long seed, Work w) {
        if (w.law != SweepGap.IDENTICAL) {
            normals((b * heads + h) * v + y0, SweepGap.REP_HEAD, seed, len, w, w.e);
        }
        long peak = SweepGap.peak(w.law, h, v, target) - y0;
        w.ps = peak >= 0 && peak < len ? slot((int) peak, len) : -1;
        w.len = len;
        stage(HEAD_LOGITS, w);
        return w.fmax;
    }

    /** out = agg / heads in FP64 (a division, as the reference). */
    static void meanOf(double[] agg, int len, int heads, double[] out) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        for (int i = 0; i < bound; i += lanes) {
            DoubleVector.fromArray(DS, agg, i).div(heads).intoArray(out, i);
        }
        for (int i = bound; i < len; i++) {
            out[i] = agg[i] / heads;
        }
    }

    /**
     * One work-item of the sweep's second pass: sum over the chunk's y of (sum_h exp(l^(h)_y - log Z_h))^2,
     * blocks in order, FP64 (vector exp).
     */
    static double sweepGapBrierItem(int law, long b, int heads, int v, long start, int count, int target, long seed,
                                    double sigma, double margin, double cs, double ce, double temperature,
                                    double[] logZHeads, int zOff) {
        Work w = WORK.get();
        sweepPoint(w, law, sigma, margin, cs, ce, temperature);
        double total = 0;
        for (int o0 = 0; o0 < count; o0 += SWEEP_BLOCK) {
            int len = Math.min(SWEEP_BLOCK, count - o0);
            long y0 = start + o0;
            sharedNoise(law, b, v, y0, len, seed, w);
            for (int h = 0; h < heads; h++) {
                blockLogits(b, h, heads, v, y0, len, target, seed, w);
                w.logZ = logZHeads[zOff + h];
                w.first = h == 0;
                stage(MIX_ADD, w);
            }
            total += sumSquares(w.mix, len);
        }
        return total;
    }

    /** mix = p (first head) or mix + p, p = exp(f - logZ) in FP64 (f widened). */
    static void mixAdd(float[] f, int len, double logZ, boolean first, double[] mix) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        for (int i = 0; i < bound; i += lanes) {
            DoubleVector l = (DoubleVector) FloatVector.fromArray(FH, f, i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector p = VectorMath.exp(l.sub(logZ));
            if (!first) {
                p = DoubleVector.fromArray(DS, mix, i).add(p);
            }
            p.intoArray(mix, i);
        }
        for (int i = bound; i < len; i++) {
            double p = Math.exp(f[i] - logZ);
            mix[i] = first ? p : mix[i] + p;
        }
    }

    /** sum x[i]^2 over x[0, len) in FP64 lanes (lanes summed in lane order, then the tail). */
    static double sumSquares(double[] x, int len) {
        int lanes = DS.length();
        int bound = DS.loopBound(len);
        double s = 0;
        if (bound > 0) {
            DoubleVector acc = DoubleVector.zero(DS);
            for (int i = 0; i < bound; i += lanes) {
                DoubleVector p = DoubleVector.fromArray(DS, x, i);
                acc = acc.add(p.mul(p));
            }
            for (int k = 0; k < lanes; k++) {
                s += acc.lane(k);
            }
        }
        for (int i = bound; i < len; i++) {
            s += x[i] * x[i];
        }
        return s;
    }
}
