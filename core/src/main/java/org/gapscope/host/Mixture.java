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
        double cUsed = Double.isNaN(c) ? cMax : c;
        if (cUsed < cMax) {
            throw new InputException("mixture: c = " + c + " is below max S(pi^(h), y) = " + cMax);
        }
        double sMix = score(score, mix, logMix, target, mixNorm2);
        double[] contributions = new double[h];
        double sum = 0;
        for (int hh = 0; hh < h; hh++) {
            contributions[hh] = beta[hh] * (cUsed - heads[hh]);
            sum += contributions[hh];
        }
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
        return new MixtureGaps(score, sMix, heads, sMix - mixed, cUsed, contributions, sum, divergences);
    }

    /** S(p, y) for the three scores given ||p||^2; logP holds log p (more accurate than log of p for tiny p). */
    static double score(MixtureGaps.Score score, double[] p, double[] logP, int y, double norm2) {
        return switch (score) {
            case LOG -> logP[y];
            case BRIER -> 2 * p[y] - norm2;
            case SPHERICAL -> p[y] / Math.sqrt(norm2);
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
