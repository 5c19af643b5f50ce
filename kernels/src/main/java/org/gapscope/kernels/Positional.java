package org.gapscope.kernels;

/**
 * Body of the positional sums (docs/MATH.md section 8): work-item i computes
 * f(Delta_i) = (1/m) sum_k cos(omega_k Delta_i) over the m frequencies, in FP64 in the order k = 0..m-1.
 * (TornadoVM's native cos is ~5e-8 relative; run it with -Dtornado.enable.nativeFunctions=False when
 * that matters.)
 */
public final class Positional {
    private Positional() {}

    public static void positional(int item, double[] omegas, int m, double[] deltas, double[] f) {
        double delta = deltas[item];
        double s = 0.0;
        for (int k = 0; k < m; k++) {
            s += Math.cos(omegas[k] * delta);
        }
        f[item] = s / m;
    }
}
