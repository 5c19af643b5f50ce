package org.gapscope.kernels;

/**
 * Body of flash-style scaled dot-product attention (docs/MATH.md section 2) with an online softmax: one
 * work-item per (head, query), {@code item = head * tq + i}; keys are visited once, in order, keeping
 * the running maximum m, the running denominator l and the unnormalised output in out[item * dv ...].
 * Returns the per-query LSE = m + log l in lse[item], as FlashAttention does.
 *
 * <p>Mask modes: {@link #TOP_LEFT} (key j visible when j &le; i), {@link #BOTTOM_RIGHT}
 * (j &le; i + tk - tq), {@link #NONE}. A query that sees no key gets zeros and lse = 0 here; the host
 * sets its LSE to -inf (no infinity constants in bodies).
 *
 * <p>Error: FP64 dot products and sums; each rescale exp(m_old - m_new) is one extra rounding, so the
 * output's relative error grows like tk * 2^-53 (below 1e-12 at tk = 4096).
 */
public final class Attention {
    private Attention() {}

    public static final int TOP_LEFT = 0;
    public static final int BOTTOM_RIGHT = 1;
    public static final int NONE = 2;

    /** The number of keys query i sees. */
    public static int keyLimit(int i, int tq, int tk, int mask) {
        int limit = tk;
        if (mask == TOP_LEFT) {
            limit = i + 1;
        } else if (mask == BOTTOM_RIGHT) {
            limit = i + 1 + tk - tq;
        }
        if (limit > tk) {
            limit = tk;
        }
        if (limit < 0) {
            limit = 0;
        }
        return limit;
    }

    public static void attention(int item, double[] q, double[] k, double[] v, int tq, int tk, int d, int dv,
                                 double scale, int mask, double[] out, double[] lse) {
        int head = item / tq;
        int i = item % tq;
        int limit = keyLimit(i, tq, tk, mask);
        long qBase = (long) item * d;
        long kBase = (long) head * tk * d;
        long vBase = (long) head * tk * dv;
        long oBase = (long) item * dv;
        for (int c = 0; c < dv; c++) {
            out[(int) (oBase + c)] = 0.0;
        }
        if (limit == 0) {
            lse[item] = 0.0;
            return;
        }
        double m = LogSumExp.LOWEST;
        double l = 0.0;
        for (int j = 0; j < limit; j++) {
            double dot = 0.0;
            long kRow = kBase + (long) j * d;
            for (int c = 0; c < d; c++) {
                dot += q[(int) (qBase + c)] * k[(int) (kRow + c)];
            }
            double s = dot * scale;
            long vRow = vBase + (long) j * dv;
            // The branch sets scalars only and one loop follows it: with a loop in each branch, TornadoVM
            // 5.2 (OpenCL) merged the branches' values wrongly once dv >= ~50 (every LSE came out -inf).
            // Multiplying by 1.0 is exact, so this is bit for bit the two-loop version.
            double corr = 1.0;
            double p = 1.0;
            if (s > m) {
                corr = Math.exp(m - s);
                m = s;
            } else {
                p = Math.exp(s - m);
            }
            l = l * corr + p;
            for (int c = 0; c < dv; c++) {
                out[(int) (oBase + c)] = out[(int) (oBase + c)] * corr + p * v[(int) (vRow + c)];
            }
        }
        double inv = 1.0 / l;
        for (int c = 0; c < dv; c++) {
            out[(int) (oBase + c)] = out[(int) (oBase + c)] * inv;
        }
        lse[item] = m + Math.log(l);
    }
}
