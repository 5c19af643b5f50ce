package org.gapscope.crowding;

import java.util.Arrays;

/**
 * Summary statistics of the per-repetition values of P_N: mean, sample standard deviation, standard
 * error of the mean and quantiles. Sums run in FP64 in index order (a fixed order, so the same input
 * gives the same bits).
 *
 * <p>Quantiles use linear interpolation between order statistics at position q(R-1) (the "type 7"
 * definition of Hyndman and Fan, the default of R and NumPy).
 */
public record Stats(int count, double mean, double sd, double stdErr, double q05, double q25, double median,
                    double q75, double q95, double min, double max) {

    public static Stats of(double[] x) {
        int n = x.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values");
        }
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        double mean = sum / n;
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0;
        double[] s = x.clone();
        Arrays.sort(s);
        return new Stats(n, mean, sd, sd / Math.sqrt(n), quantile(s, 0.05), quantile(s, 0.25), quantile(s, 0.5),
                quantile(s, 0.75), quantile(s, 0.95), s[0], s[n - 1]);
    }

    /** The q-quantile of sorted values (type 7). */
    public static double quantile(double[] sorted, double q) {
        double h = q * (sorted.length - 1);
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
