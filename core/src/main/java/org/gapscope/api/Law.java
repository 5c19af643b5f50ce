package org.gapscope.api;

import org.gapscope.kernels.Laws;

/**
 * A distractor law of the crowding simulation (docs/MATH.md section 7) with its parameters, mean and
 * M = E[e^X] in closed form (infinite where the moment generating function diverges at 1).
 */
public record Law(Kind kind, double a, double b, double c) implements java.io.Serializable {

    public enum Kind {
        GAUSSIAN(Laws.GAUSSIAN), GUMBEL(Laws.GUMBEL), UNIFORM(Laws.UNIFORM), EXPONENTIAL(Laws.EXPONENTIAL),
        STUDENT_T(Laws.STUDENT_T);

        public final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    public Law {
        switch (kind) {
            case GAUSSIAN, GUMBEL -> require(b > 0, "scale (sigma/beta) must be > 0");
            case UNIFORM -> require(b > a, "uniform upper bound must exceed the lower bound");
            case EXPONENTIAL -> require(b > 0, "exponential rate must be > 0");
            case STUDENT_T -> {
                require(b > 0, "student-t scale must be > 0");
                require(c > 0, "student-t degrees of freedom nu must be > 0");
            }
        }
        require(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(c), "law parameters must be finite");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new InputException("law: " + what);
        }
    }

    public static Law gaussian(double mu, double sigma) {
        return new Law(Kind.GAUSSIAN, mu, sigma, 0);
    }

    public static Law gumbel(double mu, double beta) {
        return new Law(Kind.GUMBEL, mu, beta, 0);
    }

    public static Law uniform(double lo, double hi) {
        return new Law(Kind.UNIFORM, lo, hi, 0);
    }

    /** Exponential with rate lambda, shifted by {@code shift}. */
    public static Law exponential(double shift, double lambda) {
        return new Law(Kind.EXPONENTIAL, shift, lambda, 0);
    }

    public static Law studentT(double mu, double scale, double nu) {
        return new Law(Kind.STUDENT_T, mu, scale, nu);
    }

    /** E[X] (NaN for a Student-t with nu &le; 1). */
    public double mean() {
        return switch (kind) {
            case GAUSSIAN -> a;
            case GUMBEL -> a + b * 0.5772156649015329;
            case UNIFORM -> 0.5 * (a + b);
            case EXPONENTIAL -> a + 1.0 / b;
            case STUDENT_T -> c > 1 ? a : Double.NaN;
        };
    }

    /** ln M = ln E[e^X]; +inf where E[e^X] diverges (Gumbel with beta &ge; 1, rate &le; 1, Student-t). */
    public double logM() {
        return switch (kind) {
            case GAUSSIAN -> a + 0.5 * b * b;
            case GUMBEL -> b < 1 ? a + logGamma(1 - b) : Double.POSITIVE_INFINITY;
            case UNIFORM -> b + Math.log(-Math.expm1(a - b)) - Math.log(b - a);
            case EXPONENTIAL -> b > 1 ? a + Math.log(b / (b - 1)) : Double.POSITIVE_INFINITY;
            case STUDENT_T -> Double.POSITIVE_INFINITY;
        };
    }

    /** log Gamma(x) for x &gt; 0 (Lanczos, g = 7, n = 9; relative error below 1e-15 on (0, 10]). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        }
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        double z = x - 1;
        double s = g[0];
        for (int i = 1; i < 9; i++) {
            s += g[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
    }
}
