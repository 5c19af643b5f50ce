package org.gapscope.kernels;

/**
 * Distractor laws of the crowding simulation (docs/MATH.md section 7) as a kernel body: each score is a
 * function of (seed, repetition, index) alone, computed from Philox blocks, so any backend and any
 * chunking draws the same numbers. Law codes are ints (no enums in bodies).
 *
 * <p>Stream convention: the block with counter (c, rep, stream) and key seed gives two uniforms u1
 * (words 0, 1) and u2 (words 2, 3). For the Gaussian law one block serves the two distractors 2j and
 * 2j + 1 (counter c = j = index &gt;&gt; 1); every other law uses counter c = index, one block per
 * distractor.
 *
 * <ul>
 *   <li>{@link #GAUSSIAN}: mean a, standard deviation b, by Box-Muller on the pair's block:
 *       r = sqrt(-2 ln u1); index 2j takes a + b r cos(2 pi u2), index 2j + 1 takes
 *       a + b r sin(2 pi u2) (the two are independent standard normals).</li>
 *   <li>{@link #GUMBEL}: location a, scale b: a - b ln(-ln u1).</li>
 *   <li>{@link #UNIFORM}: on [a, b]: a + (b - a) u1.</li>
 *   <li>{@link #EXPONENTIAL}: rate b, shifted by a: a - ln(u1) / b.</li>
 *   <li>{@link #STUDENT_T}: location a, scale b, c degrees of freedom, by Bailey's polar method
 *       (Math. Comp. 62, 1994): points outside the unit disc are redrawn with stream 1, 2, ...</li>
 * </ul>
 */
public final class Laws {
    private Laws() {}

    public static final int GAUSSIAN = 0;
    public static final int GUMBEL = 1;
    public static final int UNIFORM = 2;
    public static final int EXPONENTIAL = 3;
    public static final int STUDENT_T = 4;

    static final double TWO_PI = 6.283185307179586;

    /**
     * The score of distractor {@code index} in repetition {@code rep}. {@code scratch[off..off+3]} is
     * caller-owned space for one Philox block (bodies do not allocate).
     */
    public static double draw(long index, int rep, long seed, int law, double a, double b, double c,
                              int[] scratch, int off) {
        long ctr = index;
        if (law == GAUSSIAN) {
            ctr = index >> 1;
        }
        int i0 = (int) ctr;
        int i1 = (int) (ctr >> 32);
        int s0 = (int) seed;
        int s1 = (int) (seed >> 32);
        Philox.block(i0, i1, rep, 0, s0, s1, scratch, off);
        double u1 = Philox.uniform(scratch[off], scratch[off + 1]);
        double u2 = Philox.uniform(scratch[off + 2], scratch[off + 3]);
        double x = 0.0;
        if (law == GAUSSIAN) {
            double r = Math.sqrt(-2.0 * Math.log(u1));
            if ((index & 1L) == 0L) {
                x = a + b * r * Math.cos(TWO_PI * u2);
            } else {
                x = a + b * r * Math.sin(TWO_PI * u2);
            }
        } else if (law == GUMBEL) {
            x = a - b * Math.log(-Math.log(u1));
        } else if (law == UNIFORM) {
            x = a + (b - a) * u1;
        } else if (law == EXPONENTIAL) {
            x = a - Math.log(u1) / b;
        } else {
            double px = 2.0 * u1 - 1.0;
            double py = 2.0 * u2 - 1.0;
            double w = px * px + py * py;
            int stream = 1;
            while (w >= 1.0) {
                Philox.block(i0, i1, rep, stream, s0, s1, scratch, off);
                px = 2.0 * Philox.uniform(scratch[off], scratch[off + 1]) - 1.0;
                py = 2.0 * Philox.uniform(scratch[off + 2], scratch[off + 3]) - 1.0;
                w = px * px + py * py;
                stream = stream + 1;
            }
            x = a + b * px * Math.sqrt(c * (Math.pow(w, -2.0 / c) - 1.0) / w);
        }
        return x;
    }

    /**
     * The standard normal of (index, rep): exactly {@code draw(index, rep, seed, GAUSSIAN, 0, 1, 0, ...)}
     * (r cos or r sin of the pair's block; 0 + 1 r x = r x, as r &gt; 0 and cos, sin are never exactly 0),
     * without the other laws' code: a body small enough for TornadoVM to inline twice into another.
     */
    public static double normal(long index, int rep, long seed, int[] scratch, int off) {
        long ctr = index >> 1;
        Philox.block((int) ctr, (int) (ctr >> 32), rep, 0, (int) seed, (int) (seed >> 32), scratch, off);
        double u1 = Philox.uniform(scratch[off], scratch[off + 1]);
        double u2 = Philox.uniform(scratch[off + 2], scratch[off + 3]);
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double x = 0.0;
        if ((index & 1L) == 0L) {
            x = r * Math.cos(TWO_PI * u2);
        } else {
            x = r * Math.sin(TWO_PI * u2);
        }
        return x;
    }
}
