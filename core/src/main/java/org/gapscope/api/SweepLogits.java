package org.gapscope.api;

import java.util.stream.IntStream;
import org.gapscope.kernels.Laws;
import org.gapscope.kernels.SweepGap;

/**
 * The logits of a sweep point, materialized: per-head logits drawn from gapscope's counter-based
 * generator (Philox-4x32-10), so a point is reproducible from its seed on every backend and with any
 * chunking or thread count. {@link Backend#sweepGap} draws the same logits inside its kernels and never
 * stores them; this class writes them out, for the equivalence test (generate, then {@code jensenGap}
 * and {@code mixtureGaps}) and for users who want the arrays.
 *
 * <p><b>Stream convention</b> (key = the point's seed; counter = (index, repetition, stream 0); the
 * Gaussian draws come in pairs, one Philox block for indices 2j and 2j + 1, see {@link Laws#draw}):
 * <ul>
 *   <li>head noise e(b, h, y) ~ N(0, 1): index {@code (b*H + h)*V + y}, repetition {@link #REP_HEAD};</li>
 *   <li>shared noise z(b, y) ~ N(0, 1), the same for every head: index {@code b*V + y}, repetition
 *       {@link #REP_SHARED};</li>
 *   <li>the observed token y*(b), uniform on {0..V-1}: index {@code b}, repetition {@link #REP_TARGET},
 *       y* = floor(V u) with u uniform on (0, 1).</li>
 * </ul>
 * Points with the same seed therefore share their random numbers where their shapes agree (common
 * random numbers), which makes differences between laws, sigmas or temperatures less noisy.
 *
 * <p><b>Laws</b> ({@link SweepLaw}) of l^(h)_y for token b, before division by the temperature T (all
 * computed in double, divided by T, then rounded once to float32; {@link SweepGap#logit}):
 * <ul>
 *   <li>{@code gaussian}: sigma e(b,h,y), i.i.d. heads;</li>
 *   <li>{@code identical}: sigma z(b,y), every head the same;</li>
 *   <li>{@code correlated}: sigma (sqrt(rho) z(b,y) + sqrt(1-rho) e(b,h,y)), correlation rho between heads;</li>
 *   <li>{@code agree}: sigma e(b,h,y) + a [y = y*(b)], every head peaked on the observed token with margin a;</li>
 *   <li>{@code disagree}: sigma e(b,h,y) + a [y = (y*(b) + h) mod V], head h peaked on its own token
 *       (head 0 on the observed one).</li>
 * </ul>
 */
public final class SweepLogits {
    private SweepLogits() {}

    public static final int REP_HEAD = SweepGap.REP_HEAD;
    public static final int REP_SHARED = SweepGap.REP_SHARED;
    public static final int REP_TARGET = SweepGap.REP_TARGET;

    /** The observed token of token b for vocabulary size v. */
    public static int target(long b, long seed, int v) {
        int[] scratch = new int[4];
        double u = Laws.draw(b, REP_TARGET, seed, Laws.UNIFORM, 0.0, 1.0, 0.0, scratch, 0);
        return (int) Math.min(v - 1L, (long) (u * v));
    }

    /** The observed tokens of tokens b0 .. b0 + count - 1. */
    public static int[] targets(long b0, int count, long seed, int v) {
        int[] t = new int[count];
        for (int k = 0; k < count; k++) {
            t[k] = target(b0 + k, seed, v);
        }
        return t;
    }

    /**
     * Fills {@code out[0 .. count*H*V)} with the logits of tokens b0 .. b0+count-1 of {@code spec}
     * (row-major [count, H, V]) and {@code targets[0 .. count)} with their observed tokens. Rows are
     * generated in parallel; the result does not depend on the number of threads.
     */
    public static void generate(SweepSpec spec, long b0, int count, float[] out, int[] targets) {
        int h = spec.heads();
        int v = spec.vocab();
        for (int k = 0; k < count; k++) {
            targets[k] = target(b0 + k, spec.seed(), v);
        }
        int law = spec.law().code;
        double cs = Math.sqrt(spec.rho());
        double ce = Math.sqrt(1 - spec.rho());
        IntStream.range(0, count * h).parallel().forEach(row -> {
            int[] scratch = new int[4];
            int k = row / h;
            int hh = row % h;
            int o = row * v;
            for (int y = 0; y < v; y++) {
                out[o + y] = SweepGap.logit(law, b0 + k, hh, h, v, y, targets[k], spec.seed(), spec.sigma(),
                        spec.margin(), cs, ce, spec.temperature(), scratch, 0);
            }
        });
    }
}
