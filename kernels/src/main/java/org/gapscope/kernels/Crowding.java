package org.gapscope.kernels;

/**
 * Bodies of the crowding Monte Carlo (docs/MATH.md section 7): per repetition, the N - 1 distractor scores
 * are drawn (Philox via {@link Laws#draw}), multiplied by {@code scale} (1, or the scalable-softmax /
 * temperature factor), and reduced to an (m, d) state without being stored. Work-item
 * {@code item = r * chunks + c} reduces chunk c (layout: {@link Chunks}) of the distractor indices of
 * repetition firstRep + r, with an online update (one exp per draw: draws are too costly to make
 * twice). {@code scratch[item * 4 .. item * 4 + 3]} holds the item's Philox block.
 *
 * <p>Because distractor k of repetition r is always {@code Laws.draw(k, firstRep + r, seed, ...)},
 * every backend and every chunking sees the same scores; results differ only by summation order
 * (relative error of the state's d about count * 2^-53).
 */
public final class Crowding {
    private Crowding() {}

    public static void crowdingPartial(int item, long n, int chunks, int layout, int firstRep, long seed, int law,
                                       double a, double b, double c, double scale, int[] scratch, double[] m,
                                       double[] d) {
        int r = item / chunks;
        int chunk = item % chunks;
        long start = Chunks.start(n, chunks, chunk, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(n, chunks, chunk, layout);
        int rep = firstRep + r;
        double mx = LogSumExp.LOWEST;
        double s = 0.0;
        for (long k = 0; k < count; k++) {
            double x = scale * Laws.draw(start + k * step, rep, seed, law, a, b, c, scratch, item * 4);
            if (x > mx) {
                s = s * Math.exp(mx - x) + 1.0;
                mx = x;
            } else {
                s = s + Math.exp(x - mx);
            }
        }
        m[item] = mx;
        d[item] = s;
    }

    /**
     * Merge pass for repetition r: lseDistractors[r] = M + log D over its chunk states (the host makes
     * it -inf when there are no distractors) and p[r] = 1 / (1 + exp(lse - s)).
     */
    public static void crowdingMerge(int r, int chunks, double[] m, double[] d, double s, double[] p,
                                     double[] lseDistractors) {
        double l = LogSumExp.mergeLse(r * chunks, chunks, 1, m, d);
        lseDistractors[r] = l;
        p[r] = 1.0 / (1.0 + Math.exp(l - s));
    }
}
