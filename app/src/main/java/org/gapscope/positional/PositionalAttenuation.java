package org.gapscope.positional;

import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.InputException;

/**
 * Positional attenuation of sinusoidal encodings (docs/MATH.md section 8, P2 Lemma 3):
 * f(Delta) = (1/m) sum_k cos(omega_k Delta), computed by {@link org.gapscope.api.Backend#positional}.
 *
 * <p>Frequency grids:
 * <ul>
 *   <li>uniform: omega_k = omega_min + k (omega_max - omega_min)/(m-1), k = 0..m-1 (the lemma's setting);</li>
 *   <li>geometric: omega_k = base^{-2k/d}, k = 0..d/2-1 (the sinusoidal encoding of the transformer);</li>
 *   <li>rope: theta_k = base^{-2k/d}, k = 0..d/2-1. For a query and a key whose d/2 two-dimensional
 *       pairs have equal norms, the RoPE score at distance Delta is proportional to sum_k cos(theta_k Delta),
 *       so f is the same function as for the geometric grid; the two differ only in their defaults
 *       (d = 512 for the encoding, d = 128 per head for RoPE).</li>
 * </ul>
 *
 * <p><b>Bound.</b> 2/(Omega Delta) with Omega = omega_max - omega_min: the lemma's leading term, the
 * continuum average (1/Omega) int cos(omega Delta) d omega being (sin(omega_max Delta) - sin(omega_min Delta))/(Omega Delta).
 * For the uniform grid with finite m the sum is a Dirichlet kernel:
 * f(Delta) = sin(m x) cos(omega_min Delta + (m-1) x) / (m sin x), x = h Delta / 2, h = Omega/(m-1)
 * ({@link #uniformClosedForm}). Since sin x &ge; x - x^3/6, m sin x &ge; (m-1) x whenever x^2 &le; 6/m, so
 * |f(Delta)| &le; 1/(m sin x) &le; 2/(Omega Delta) holds for every Delta &le; {@link #uniformGuaranteedUpTo} =
 * 2 sqrt(6/m) (m-1)/Omega. Beyond it the grid aliases: at Delta = 2 pi j (m-1)/Omega every term equals
 * cos(omega_min Delta), so |f| = |cos(omega_min Delta)|, of order one while the bound is small (the finite-m
 * revivals; with omega_min = 0 exactly 1).
 *
 * <p><b>Envelope.</b> Over the Delta grid of a run (sorted), env(Delta_i) = max_{j &ge; i} |f(Delta_j)|: the
 * smallest non-increasing function above |f| on the grid (a suffix maximum), so it shows revivals as
 * plateaus rather than hiding them.
 *
 * <p><b>Revivals.</b> The grid points where |f(Delta)| exceeds the bound, merged into runs of consecutive
 * grid points ({@link Interval}).
 */
public final class PositionalAttenuation {
    private PositionalAttenuation() {}

    /** The frequency grids of the class comment. */
    public enum FrequencyGrid { uniform, geometric, rope }

    public static double[] uniformGrid(double omegaMin, double omegaMax, int m) {
        if (m < 2) {
            throw new InputException("--m: the uniform grid needs at least 2 frequencies, got " + m);
        }
        if (!(omegaMax > omegaMin) || !Double.isFinite(omegaMin) || !Double.isFinite(omegaMax)) {
            throw new InputException("--omega-max must exceed --omega-min (both finite), got " + omegaMin + " and " + omegaMax);
        }
        double[] w = new double[m];
        for (int k = 0; k < m; k++) {
            w[k] = omegaMin + k * (omegaMax - omegaMin) / (m - 1);
        }
        return w;
    }

    /** base^{-2k/d}, k = 0..d/2-1 (also RoPE's theta_k). */
    public static double[] geometricGrid(double base, int d) {
        if (d < 2 || d % 2 != 0) {
            throw new InputException("--d: the dimension must be an even number >= 2, got " + d);
        }
        if (!(base > 1) || Double.isInfinite(base)) {
            throw new InputException("--base: must be a finite number > 1, got " + base);
        }
        double[] w = new double[d / 2];
        for (int k = 0; k < d / 2; k++) {
            w[k] = Math.pow(base, -2.0 * k / d);
        }
        return w;
    }

    /** Omega = max - min of the frequencies. */
    public static double omega(double[] omegas) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double w : omegas) {
            lo = Math.min(lo, w);
            hi = Math.max(hi, w);
        }
        return hi - lo;
    }

    /** 2/(Omega Delta); +inf at Delta = 0. */
    public static double bound(double omega, double delta) {
        return 2.0 / (omega * Math.abs(delta));
    }

    /** The Dirichlet-kernel closed form of f for the uniform grid (used to check the summation). */
    public static double uniformClosedForm(double omegaMin, double omegaMax, int m, double delta) {
        double h = (omegaMax - omegaMin) / (m - 1);
        double x = 0.5 * h * delta;
        double sx = Math.sin(x);
        if (sx == 0) {
            return Math.cos(omegaMin * delta); // x = j pi: every term equals cos(omega_min Delta)
        }
        return Math.sin(m * x) * Math.cos(omegaMin * delta + (m - 1) * x) / (m * sx);
    }

    /** Largest Delta up to which |f| &le; 2/(Omega Delta) is guaranteed for the uniform grid (class note). */
    public static double uniformGuaranteedUpTo(double omega, int m) {
        return 2 * Math.sqrt(6.0 / m) * (m - 1) / omega;
    }

    /** Suffix maximum of |f| over the grid (deltas sorted increasingly). */
    public static double[] envelope(double[] f) {
        double[] env = new double[f.length];
        double run = 0;
        for (int i = f.length - 1; i >= 0; i--) {
            run = Math.max(run, Math.abs(f[i]));
            env[i] = run;
        }
        return env;
    }

    /** A run of consecutive grid points from {@code from} to {@code to} where |f| &gt; bound. */
    public record Interval(double from, double to, int points, double maxAbsF, double maxRatio) {}

    /** Runs of consecutive grid points with |f| &gt; bound (deltas sorted increasingly). */
    public static List<Interval> revivals(double[] deltas, double[] f, double omega) {
        List<Interval> out = new ArrayList<>();
        int start = -1;
        double maxF = 0;
        double maxRatio = 0;
        for (int i = 0; i <= deltas.length; i++) {
            boolean over = i < deltas.length && deltas[i] > 0 && Math.abs(f[i]) > bound(omega, deltas[i]);
            if (over) {
                if (start < 0) {
                    start = i;
                    maxF = 0;
                    maxRatio = 0;
                }
                maxF = Math.max(maxF, Math.abs(f[i]));
                maxRatio = Math.max(maxRatio, Math.abs(f[i]) / bound(omega, deltas[i]));
            } else if (start >= 0) {
                out.add(new Interval(deltas[start], deltas[i - 1], i - start, maxF, maxRatio));
                start = -1;
            }
        }
        return out;
    }

    /** Scan grids: every integer 1..max (dense) or {@code points} log-spaced values in [1, max] (log). */
    public static double[] scan(double max, boolean dense, int points) {
        if (!(max >= 1) || Double.isInfinite(max)) {
            throw new InputException("--delta-max: must be a finite number >= 1, got " + max);
        }
        if (dense) {
            if (max > 5e7) {
                throw new InputException("--delta-max " + max + " with --scan dense: at most 5e7 points; use --scan log");
            }
            int n = (int) Math.floor(max);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = i + 1;
            }
            return d;
        }
        if (points < 2) {
            throw new InputException("--points: a log scan needs at least 2 points, got " + points);
        }
        double[] d = new double[points];
        double lmax = Math.log(max);
        for (int i = 0; i < points; i++) {
            d[i] = Math.exp(lmax * i / (points - 1));
        }
        d[points - 1] = max;
        return d;
    }
}
