package org.gapscope.host;

import org.gapscope.api.Checks;
import org.gapscope.api.InputException;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;

/**
 * Score gaps of the mixture of one token's heads (docs/MATH.md section 4): O(H V) FP64 host arithmetic,
 * shared by every backend (the reference and the kernel-running ones), so there is one copy of it.
 */
public final class Mixture {
    private Mixture() {}

    /** The score gaps of the mixture of one token ({@link org.gapscope.api.Backend#mixtureGaps}). */
    public static MixtureGaps gaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c) {
        Checks.MixtureShape shape = Checks.mixture(logits, beta, target);
        int h = shape.heads();
        int v = shape.vocab();
        double[][] pi = new double[h][];
        double[][] logPi = new double[h][];
        double[] mix = new double[v];
        for (int hh = 0; hh < h; hh++) {
            double[] row = logits.toDoubles((long) hh * v, v);
            double lz = Fp64Rows.lse(row, 0, v, 1.0);
            pi[hh] = new double[v];
            logPi[hh] = new double[v];
            for (int y = 0; y < v; y++) {
                logPi[hh][y] = row[y] - lz;
                pi[hh][y] = Math.exp(logPi[hh][y]);
                mix[y] += beta[hh] * pi[hh][y];
            }
        }
        double[] logMix = new double[v];
        for (int y = 0; y < v; y++) {
            logMix[y] = Math.log(mix[y]);
        }
        // ||pi^(h)||^2 and ||Pi||^2 once, so that Brier/spherical scores over all y cost O(H V), not O(H V^2)
        double[] norm2 = new double[h];
        for (int hh = 0; hh < h; hh++) {
            norm2[hh] = dot(pi[hh], pi[hh]);
        }
        double mixNorm2 = dot(mix, mix);
        double[] heads = new double[h];
        double cMax = Double.NEGATIVE_INFINITY;
        double mixed = 0;
        for (int hh = 0; hh < h; hh++) {
            heads[hh] = score(score, pi[hh], logPi[hh], target, norm2[hh]);
            mixed += beta[hh] * heads[hh];
            for (int y = 0; y < v; y++) {
                cMax = Math.max(cMax, score(score, pi[hh], logPi[hh], y, norm2[hh]));
            }
        }
        double cUsed = cUsed(c, cMax);
        double sMix = score(score, mix, logMix, target, mixNorm2);
        double[] divergences = new double[h];
        for (int hh = 0; hh < h; hh++) {
            double dsum = 0;
            for (int y = 0; y < v; y++) {
                if (mix[y] > 0) {
                    dsum += mix[y] * (score(score, mix, logMix, y, mixNorm2) - score(score, pi[hh], logPi[hh], y, norm2[hh]));
                }
            }
            divergences[hh] = dsum;
        }
        return result(score, sMix, heads, mixed, beta, cUsed, divergences);
    }

    /** c, or cMax when c is NaN; refuses a c below cMax (one line). */
    private static double cUsed(double c, double cMax) {
        double cUsed = Double.isNaN(c) ? cMax : c;
        if (cUsed < cMax) {
            throw new InputException("mixture: c = " + c + " is below max S(pi^(h), y) = " + cMax);
        }
        return cUsed;
    }

    /** The record, with the contributions p_h = beta_h (c - S(pi^(h), y*)) and their sum. */
    private static MixtureGaps result(MixtureGaps.Score score, double sMix, double[] heads, double mixed,
                                      double[] beta, double cUsed, double[] divergences) {
        double[] contributions = new double[heads.length];
        double sum = 0;
        for (int hh = 0; hh < heads.length; hh++) {
            contributions[hh] = beta[hh] * (cUsed - heads[hh]);
            sum += contributions[hh];
        }
        return new MixtureGaps(score, sMix, heads, sMix - mixed, cUsed, contributions, sum, divergences);
    }

    /**
     * The score gaps from the sums of one pass over y (the kernel bodies' {@code MixtureGapSums} layout,
     * merged: for H heads, sums[h] = ||pi_h||^2, sums[H + h] = sum_y Pi pi_h, sums[2H + h] = sum_y Pi log
     * pi_h, sums[3H] = sum_y Pi, sums[3H + 1] = ||Pi||^2, sums[3H + 2] = sum over Pi &gt; 0 of Pi log Pi),
     * the heads' log pi_h(y*) and max_y log pi_h(y). The closed forms of docs/MATH.md section 4 (S =
     * sum_y Pi, sums over Pi &gt; 0, where a term of Pi = 0 is 0 anyway except in Pi log Pi):
     * <ul>
     *   <li>log: E_Pi[log Pi - log pi_h] = sum Pi log Pi - sum Pi log pi_h; max_y S(pi_h, y) = max_y log pi_h;</li>
     *   <li>Brier: E_Pi[(2 Pi - ||Pi||^2) - (2 pi_h - ||pi_h||^2)] = 2 ||Pi||^2 - ||Pi||^2 S - 2 sum Pi pi_h +
     *       ||pi_h||^2 S; max_y S(pi_h, y) = 2 max_y pi_h - ||pi_h||^2;</li>
     *   <li>spherical: E_Pi[Pi / ||Pi|| - pi_h / ||pi_h||] = ||Pi|| - sum Pi pi_h / ||pi_h||; max_y S(pi_h, y) =
     *       max_y pi_h / ||pi_h||.</li>
     * </ul>
     * Error against {@link #gaps}: {@code ErrorBounds.mixtureGaps}.
     */
    public static MixtureGaps fromSums(MixtureGaps.Score score, double c, double[] beta, double[] logPiTarget,
                                       double[] logPiMax, double[] sums) {
        int h = beta.length;
        double s1 = sums[3 * h];
        double mixNorm2 = sums[3 * h + 1];
        double mixLogMix = sums[3 * h + 2];
        double mixTarget = 0;
        for (int hh = 0; hh < h; hh++) {
            mixTarget += beta[hh] * Math.exp(logPiTarget[hh]);
        }
        double[] heads = new double[h];
        double[] divergences = new double[h];
        double cMax = Double.NEGATIVE_INFINITY;
        double mixed = 0;
        for (int hh = 0; hh < h; hh++) {
            double norm2 = sums[hh];
            double cross = sums[h + hh];
            heads[hh] = score(score, Math.exp(logPiTarget[hh]), logPiTarget[hh], norm2);
            mixed += beta[hh] * heads[hh];
            cMax = Math.max(cMax, score(score, Math.exp(logPiMax[hh]), logPiMax[hh], norm2));
            divergences[hh] = switch (score) {
                case LOG -> mixLogMix - sums[2 * h + hh];
                case BRIER -> 2 * mixNorm2 - mixNorm2 * s1 - 2 * cross + norm2 * s1;
                case SPHERICAL -> Math.sqrt(mixNorm2) - cross / Math.sqrt(norm2);
            };
        }
        double cUsed = cUsed(c, cMax);
        double sMix = score(score, mixTarget, Math.log(mixTarget), mixNorm2);
        return result(score, sMix, heads, mixed, beta, cUsed, divergences);
    }

    /** S(p, y) for the three scores given ||p||^2; logP holds log p (more accurate than log of p for tiny p). */
    static double score(MixtureGaps.Score score, double[] p, double[] logP, int y, double norm2) {
        return score(score, p[y], logP[y], norm2);
    }

    /** S(p, y) of one probability p = p(y), with log p and ||p||^2. */
    static double score(MixtureGaps.Score score, double p, double logP, double norm2) {
        return switch (score) {
            case LOG -> logP;
            case BRIER -> 2 * p - norm2;
            case SPHERICAL -> p / Math.sqrt(norm2);
        };
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
