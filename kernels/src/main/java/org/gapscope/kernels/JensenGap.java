package org.gapscope.kernels;

/**
 * Body of the fused Jensen-gap pass (docs/MATH.md section 3) over logits [B, H, V]: one sweep over each
 * token's logits produces, per chunk of the vocabulary, the (m, d) state of every head, of the
 * aggregate L = sum_h l^(h) (+ extra logits) and of the mean logits (1/H) sum_h l^(h). Work-item
 * {@code item = token * chunks + c}; the chunk (layout: {@link Chunks}) is read from memory once and
 * revisited from cache by the second pass of each state. A merge pass per token turns the states into
 * log Z_h, log Z and log Z of the mean; the host forms gamma = sum_h log Z_h - log Z and
 * gammaJ = (1/H) sum_h log Z_h - log Z_mean.
 *
 * <p>Finite logits only (the host recomputes tokens whose results are not finite). Sums and the
 * head sum L are in FP64: L of H FP32 logits is exact to 2^-53 relative per add, so log Z carries
 * an absolute error of about (H + V / chunks) 2^-53 |L|, 3e-14 at Gamma ~ 75.
 *
 * <p>State arrays: headM/headD at [item * heads + h], aggM/aggD and meanM/meanD at [item].
 * extraMode: 0 no extra logits, 1 one row [V] shared by all tokens, 2 one row per token [B, V].
 */
public final class JensenGap {
    private JensenGap() {}

    public static void gapPartial(int item, float[] logits, float[] extra, int extraMode, int heads, int v,
                                  int chunks, int layout, double[] headM, double[] headD, double[] aggM,
                                  double[] aggD, double[] meanM, double[] meanD) {
        int token = item / chunks;
        int c = item % chunks;
        long tokenBase = (long) token * heads * v;
        long extraBase = 0;
        if (extraMode == 2) {
            extraBase = (long) token * v;
        }
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double invH = 1.0 / heads;
        for (int h = 0; h < heads; h++) {
            long rowBase = tokenBase + (long) h * v;
            double mx = LogSumExp.LOWEST;
            for (long k = 0; k < count; k++) {
                mx = Math.max(mx, (double) logits[(int) (rowBase + start + k * step)]);
            }
            double s = 0.0;
            for (long k = 0; k < count; k++) {
                s += Math.exp(logits[(int) (rowBase + start + k * step)] - mx);
            }
            headM[item * heads + h] = mx;
            headD[item * heads + h] = s;
        }
        double am = LogSumExp.LOWEST;
        double mm = LogSumExp.LOWEST;
        for (long k = 0; k < count; k++) {
            long y = start + k * step;
            double sum = 0.0;
            for (int h = 0; h < heads; h++) {
                sum += logits[(int) (tokenBase + (long) h * v + y)];
            }
            mm = Math.max(mm, sum * invH);
            if (extraMode != 0) {
                sum += extra[(int) (extraBase + y)];
            }
            am = Math.max(am, sum);
        }
        double ad = 0.0;
        double md = 0.0;
        for (long k = 0; k < count; k++) {
            long y = start + k * step;
            double sum = 0.0;
            for (int h = 0; h < heads; h++) {
                sum += logits[(int) (tokenBase + (long) h * v + y)];
            }
            md += Math.exp(sum * invH - mm);
            if (extraMode != 0) {
                sum += extra[(int) (extraBase + y)];
            }
            ad += Math.exp(sum - am);
        }
        aggM[item] = am;
        aggD[item] = ad;
        meanM[item] = mm;
        meanD[item] = md;
    }

    /** The same for FP64 logits. */
    public static void gapPartial(int item, double[] logits, double[] extra, int extraMode, int heads, int v,
                                  int chunks, int layout, double[] headM, double[] headD, double[] aggM,
                                  double[] aggD, double[] meanM, double[] meanD) {
        int token = item / chunks;
        int c = item % chunks;
        long tokenBase = (long) token * heads * v;
        long extraBase = 0;
        if (extraMode == 2) {
            extraBase = (long) token * v;
        }
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double invH = 1.0 / heads;
        for (int h = 0; h < heads; h++) {
            long rowBase = tokenBase + (long) h * v;
            double mx = LogSumExp.LOWEST;
            for (long k = 0; k < count; k++) {
                mx = Math.max(mx, logits[(int) (rowBase + start + k * step)]);
            }
            double s = 0.0;
            for (long k = 0; k < count; k++) {
                s += Math.exp(logits[(int) (rowBase + start + k * step)] - mx);
            }
            headM[item * heads + h] = mx;
            headD[item * heads + h] = s;
        }
        double am = LogSumExp.LOWEST;
        double mm = LogSumExp.LOWEST;
        for (long k = 0; k < count; k++) {
            long y = start + k * step;
            double sum = 0.0;
            for (int h = 0; h < heads; h++) {
                sum += logits[(int) (tokenBase + (long) h * v + y)];
            }
            mm = Math.max(mm, sum * invH);
            if (extraMode != 0) {
                sum += extra[(int) (extraBase + y)];
            }
            am = Math.max(am, sum);
        }
        double ad = 0.0;
        double md = 0.0;
        for (long k = 0; k < count; k++) {
            long y = start + k * step;
            double sum = 0.0;
            for (int h = 0; h < heads; h++) {
                sum += logits[(int) (tokenBase + (long) h * v + y)];
            }
            md += Math.exp(sum * invH - mm);
            if (extraMode != 0) {
                sum += extra[(int) (extraBase + y)];
            }
            ad += Math.exp(sum - am);
        }
        aggM[item] = am;
        aggD[item] = ad;
        meanM[item] = mm;
        meanD[item] = md;
    }

    /**
     * Merge pass for one token: logZHeads[token * heads + h], logZ[token] and logZMean[token] from the
     * chunk states of the token's work-items, merged in chunk order.
     */
    public static void gapMerge(int token, int heads, int chunks, double[] headM, double[] headD, double[] aggM,
                                double[] aggD, double[] meanM, double[] meanD, double[] logZHeads, double[] logZ,
                                double[] logZMean) {
        int first = token * chunks;
        for (int h = 0; h < heads; h++) {
            logZHeads[token * heads + h] = LogSumExp.mergeLse(first * heads + h, chunks, heads, headM, headD);
        }
        logZ[token] = LogSumExp.mergeLse(first, chunks, 1, aggM, aggD);
        logZMean[token] = LogSumExp.mergeLse(first, chunks, 1, meanM, meanD);
    }
}
