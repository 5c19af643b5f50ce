package org.gapscope.kernels;

/**
 * Philox-4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
 * written in the subset of Java that TornadoVM compiles correctly: no unsigned
 * shifts, unsigned 32-bit values widened with {@code & 0xFFFFFFFFL}, int wrap-around arithmetic.
 *
 * <p>A block maps a 128-bit counter (c0..c3) and a 64-bit key (k0, k1) to four 32-bit words. gapscope's
 * stream convention (every backend follows it, so draws are bit-identical across backends):
 * counter = (index low 32, index high 32, repetition, stream), key = (seed low 32, seed high 32).
 */
public final class Philox {
    private Philox() {}

    /** The round multipliers and key increments of Philox-4x32 (Salmon et al. 2011). */
    public static final int M0 = 0xD2511F53;
    public static final int M1 = 0xCD9E8D57;
    public static final int W0 = 0x9E3779B9;
    public static final int W1 = 0xBB67AE85;

    /** Writes the four output words of Philox-4x32-10 for (counter, key) into out[off..off+3]. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int off) {
        int x0 = c0;
        int x1 = c1;
        int x2 = c2;
        int x3 = c3;
        int key0 = k0;
        int key1 = k1;
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (x0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (x2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >> 32);
            int lo1 = (int) p1;
            x0 = hi1 ^ x1 ^ key0;
            x1 = lo1;
            x2 = hi0 ^ x3 ^ key1;
            x3 = lo0;
            key0 = key0 + W0;
            key1 = key1 + W1;
        }
        out[off] = x0;
        out[off + 1] = x1;
        out[off + 2] = x2;
        out[off + 3] = x3;
    }

    /**
     * A double in the open interval (0, 1) from two 32-bit words: the top 26 bits of each make a 52-bit
     * integer j, and the result is (j + 0.5) / 2^52, exact in double precision, so neither 0 nor 1 occurs
     * and log(u) is always finite. (With 53 bits, j + 0.5 would round up to 2^53 for the largest j.)
     */
    public static double uniform(int hi, int lo) {
        long a = (hi & 0xFFFFFFFFL) >> 6;
        long b = (lo & 0xFFFFFFFFL) >> 6;
        return ((double) a * 67108864.0 + (double) b + 0.5) * 2.220446049250313E-16;
    }
}
