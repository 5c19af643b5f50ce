package org.gapscope.positional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gapscope.api.InputException;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

class PositionalAttenuationTest {
    final ReferenceBackend ref = new ReferenceBackend();

    @Test
    void lemmaThreeCurveMatchesDirectSummation() {
        int m = 64;
        double[] w = PositionalAttenuation.uniformGrid(0.01, 1, m);
        double[] deltas = PositionalAttenuation.scan(1e4, false, 500);
        double[] f = ref.positional(w, deltas);
        for (int i = 0; i < deltas.length; i++) {
            // the two evaluations differ only by the rounding of the cosine arguments: |omega Delta| <= 1e4
            // carries an absolute error of about 1e4 * 2^-52 = 2e-12 per term, and the Dirichlet form
            // divides by m sin x (>= ~1e-3 away from the aliasing points on this grid) -> 1e-9 is safe
            assertEquals(PositionalAttenuation.uniformClosedForm(0.01, 1, m, deltas[i]), f[i], 1e-9, "Delta " + deltas[i]);
        }
    }

    @Test
    void boundHoldsWhereTheLemmaGuaranteesIt() {
        int[] ms = {2, 8, 64, 500};
        double[][] ranges = {{0.01, 1}, {0, 0.5}, {1e-4, 3}};
        for (int m : ms) {
            for (double[] r : ranges) {
                double[] w = PositionalAttenuation.uniformGrid(r[0], r[1], m);
                double omega = PositionalAttenuation.omega(w);
                double upTo = PositionalAttenuation.uniformGuaranteedUpTo(omega, m);
                int k = 4000;
                double[] deltas = new double[k];
                for (int i = 0; i < k; i++) {
                    deltas[i] = upTo * (i + 1) / k;
                }
                double[] f = ref.positional(w, deltas);
                for (int i = 0; i < k; i++) {
                    // proven: |f| <= 1/(m sin x) <= 2/(Omega Delta) for x^2 <= 6/m (Positional's class note);
                    // 1e-12 absorbs the summation round-off of m cosines
                    assertTrue(Math.abs(f[i]) <= PositionalAttenuation.bound(omega, deltas[i]) + 1e-12,
                            "m=" + m + " Delta=" + deltas[i] + " f=" + f[i]);
                }
                // and it fails at the first aliasing point, where every term equals cos(omega_min Delta)
                double alias = 2 * Math.PI * (m - 1) / omega;
                double fa = ref.positional(w, new double[] {alias})[0];
                assertEquals(Math.cos(r[0] * alias), fa, 1e-9);
                if (Math.abs(fa) > 0.1) {
                    assertTrue(Math.abs(fa) > PositionalAttenuation.bound(omega, alias));
                }
            }
        }
    }

    @Test
    void envelopeIsTheSuffixMaximumAndRevivalsAreRuns() {
        double[] f = {0.9, -0.2, 0.5, -0.6, 0.1, 0.05};
        double[] env = PositionalAttenuation.envelope(f);
        assertEquals(List.of(0.9, 0.6, 0.6, 0.6, 0.1, 0.05), java.util.Arrays.stream(env).boxed().toList());
        // Omega = 1: bound 2/Delta; Delta = 1..6 -> bounds 2, 1, 0.667, 0.5, 0.4, 0.333
        double[] deltas = {1, 2, 3, 4, 5, 6};
        double[] g = {0.1, 1.5, 0.7, 0.6, 0.0, -0.4};
        List<PositionalAttenuation.Interval> rev = PositionalAttenuation.revivals(deltas, g, 1.0);
        assertEquals(2, rev.size());
        assertEquals(new PositionalAttenuation.Interval(2, 4, 3, 1.5, 1.5), rev.get(0));
        assertEquals(6, rev.get(1).from());
        assertEquals(0.4 / (2.0 / 6), rev.get(1).maxRatio(), 1e-15);
    }

    @Test
    void geometricGridIsTheTransformersAndTheScanIsAsStated() {
        double[] w = PositionalAttenuation.geometricGrid(10000, 8);
        assertEquals(4, w.length);
        assertEquals(1.0, w[0], 0.0);
        assertEquals(Math.pow(10000, -0.25), w[1], 1e-16);
        assertEquals(Math.pow(10000, -0.75), w[3], 1e-18);
        assertEquals(1.0, ref.positional(w, new double[] {0})[0], 0.0);
        double[] dense = PositionalAttenuation.scan(10, true, 0);
        assertEquals(10, dense.length);
        assertEquals(10.0, dense[9], 0.0);
        double[] log = PositionalAttenuation.scan(1e6, false, 7);
        assertEquals(1.0, log[0], 0.0);
        assertEquals(10.0, log[1], 1e-12);
        assertEquals(1e6, log[6], 0.0);
        assertThrows(InputException.class, () -> PositionalAttenuation.geometricGrid(10000, 7));
        assertThrows(InputException.class, () -> PositionalAttenuation.uniformGrid(1, 0.5, 8));
    }
}
