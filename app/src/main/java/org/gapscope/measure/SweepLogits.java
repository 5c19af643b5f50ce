package org.gapscope.measure;

import java.util.stream.IntStream;
import org.gapscope.kernels.Laws;

/**
 * Input generation for {@code sweep gap}: per-head logits drawn from gapscope's counter-based generator
 * ({@link Laws#draw}, Philox-4x32-10), so a grid point is reproducible from its seed on every backend and
 * with any chunking or thread count. This class generates inputs only; it computes nothing derived from
 * the logits.
 *
 * <p><b>Stream convention</b> (key = the point's seed; counter = (index, repetition, stream 0)):
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
 * <p><b>Laws</b> of l^(h)_y for token b, before division by the temperature T (all computed in double,
 * divided by T, then rounded once to float32):
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

    public static final int REP_HEAD = 0;
    public static final int REP_SHARED = 1;
    public static final int REP_TARGET = 2;

    /** The logit laws of {@code sweep gap}. */
    public enum Law { gaussian, identical, correlated, agree, disagree;

        /** Whether the margin a applies. */
        public boolean usesMargin() {
            return this == agree || this == disagree;
        }

        /** Whether the correlation rho applies. */
        public boolean usesRho() {
            return this == correlated;
        }
    }

    /** The observed token of token b for vocabulary size v. */
    public static int target(long b, long seed, int v) {
        int[] scratch = new int[4];
        double u = Laws.draw(b, REP_TARGET, seed, Laws.UNIFORM, 0.0, 1.0, 0.0, scratch, 0);
        return (int) Math.min(v - 1L, (long) (u * v));
    }

    /**
     * Fills {@code out[0 .. count*H*V)} with the logits of tokens b0 .. b0+count-1 (row-major
     * [count, H, V]) and {@code targets[0 .. count)} with their observed tokens. Rows are generated in
     * parallel; the result does not depend on the number of threads.
     */
    public static void generate(Law law, int h, int v, double sigma, double margin, double rho, double temperature,
                                long seed, long b0, int count, float[] out, int[] targets) {
        for (int k = 0; k < count; k++) {
            targets[k] = target(b0 + k, seed, v);
        }
        double cs = Math.sqrt(rho);
        double ce = Math.sqrt(1 - rho);
        IntStream.range(0, count * h).parallel().forEach(row -> {
            int[] scratch = new int[4];
            int k = row / h;
            int hh = row % h;
            long b = b0 + k;
            long headBase = (b * h + hh) * (long) v;
            long sharedBase = b * (long) v;
            int peak = switch (law) {
                case agree -> targets[k];
                case disagree -> (int) ((targets[k] + (long) hh) % v);
                default -> -1;
            };
            int o = row * v;
            for (int y = 0; y < v; y++) {
                double x = switch (law) {
                    case gaussian, agree, disagree -> sigma * normal(headBase + y, REP_HEAD, seed, scratch);
                    case identical -> sigma * normal(sharedBase + y, REP_SHARED, seed, scratch);
                    case correlated -> sigma * (cs * normal(sharedBase + y, REP_SHARED, seed, scratch)
                            + ce * normal(headBase + y, REP_HEAD, seed, scratch));
                };
                if (y == peak) {
                    x += margin;
                }
                out[o + y] = (float) (x / temperature);
            }
        });
    }

    private static double normal(long index, int rep, long seed, int[] scratch) {
        return Laws.draw(index, rep, seed, Laws.GAUSSIAN, 0.0, 1.0, 0.0, scratch, 0);
    }
}
