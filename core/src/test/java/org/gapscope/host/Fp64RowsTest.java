package org.gapscope.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The ±inf/NaN conventions (docs/MATH.md section 1) against literal expected values: the reference
 * backend and the special path of the kernel-running backends both run this code, so comparing them
 * with each other on such rows would prove nothing. Finite expectations are written as closed forms
 * (log 2, log 3, ...) whose FP64 evaluation the code must reproduce within a few ulps.
 */
class Fp64RowsTest {
    static final double INF = Double.POSITIVE_INFINITY;
    static final double NAN = Double.NaN;

    @Test
    void lseOfRowsWithInfinitiesAndNaN() {
        assertEquals(NAN, Fp64Rows.lse(new double[] {1, NAN, 2}), 0.0);
        assertEquals(NAN, Fp64Rows.lse(new double[] {INF, NAN}), 0.0, "NaN wins over +inf");
        assertEquals(NAN, Fp64Rows.lse(new double[] {-INF, NAN}), 0.0);
        assertEquals(INF, Fp64Rows.lse(new double[] {1, INF, -INF}), 0.0);
        assertEquals(-INF, Fp64Rows.lse(new double[] {-INF, -INF, -INF}), 0.0);
        assertEquals(0.0, Fp64Rows.lse(new double[] {0, -INF, -INF}), 0.0, "-inf entries are zeros of the sum");
        assertEquals(Math.log(2), Fp64Rows.lse(new double[] {0, -INF, 0}), 1e-16);
        assertEquals(Math.log(3), Fp64Rows.lse(new double[] {1e-300, -1e-300, 0}), 1e-15);
        assertEquals(1e300 + Math.log(2), Fp64Rows.lse(new double[] {1e300, 1e300}), 0.0);
    }

    @Test
    void lseOfAFiniteRowWhoseQuotientOverflowsIsInfinite() {
        // 1e308 / 0.5 = +inf in FP64: the row is taken as holding +inf
        assertEquals(INF, Fp64Rows.lse(new double[] {1e308, 0}, 0, 2, 0.5), 0.0);
        assertEquals(2 + Math.log(2), Fp64Rows.lse(new double[] {1, 1}, 0, 2, 0.5), 1e-15);
    }

    @Test
    void softmaxRows() {
        double[] out = new double[3];
        Fp64Rows.softmaxRow(new double[] {-INF, -INF, -INF}, 1.0, false, out);
        assertArrayEquals(new double[] {NAN, NAN, NAN}, out, "a row of only -inf has no distribution");
        Fp64Rows.softmaxRow(new double[] {-INF, -INF, -INF}, 1.0, true, out);
        assertArrayEquals(new double[] {NAN, NAN, NAN}, out);
        Fp64Rows.softmaxRow(new double[] {0, -INF, 0}, 1.0, false, out);
        assertArrayEquals(new double[] {0.5, 0.0, 0.5}, out, 1e-16);
        Fp64Rows.softmaxRow(new double[] {0, -INF, 0}, 1.0, true, out);
        assertArrayEquals(new double[] {-Math.log(2), -INF, -Math.log(2)}, out, 1e-16);
        Fp64Rows.softmaxRow(new double[] {1, INF, 2}, 1.0, false, out);
        assertArrayEquals(new double[] {0.0, NAN, 0.0}, out, "+inf takes all the mass: inf - inf is NaN");
        Fp64Rows.softmaxRow(new double[] {1, NAN, 2}, 1.0, false, out);
        assertArrayEquals(new double[] {NAN, NAN, NAN}, out);
    }

    @Test
    void attentionOfAMaskedQueryAndOfANaNScore() {
        // one head, Tq = 2 queries, Tk = 1 key, d = dv = 1, BOTTOM_RIGHT: query 0 sees no key (0 <= 0 + 1 - 2 fails)
        double[] out = {7, 7};
        double[] lse = {7, 7};
        Fp64Rows.attentionHead(new double[] {1, 2}, new double[] {3}, new double[] {5}, 0, 2, 1, 1, 1, 0.5,
                MaskAlignment.BOTTOM_RIGHT, out, lse);
        assertArrayEquals(new double[] {-INF, 3.0}, lse, "masked query: LSE -inf; query 1: its one score 2*3*0.5");
        assertArrayEquals(new double[] {0.0, 5.0}, out, "masked query: output 0; one key: its value");
        Fp64Rows.attentionHead(new double[] {NAN, 2}, new double[] {3}, new double[] {5}, 0, 2, 1, 1, 1, 0.5,
                MaskAlignment.NONE, out, lse);
        assertArrayEquals(new double[] {NAN, 3.0}, lse);
        assertArrayEquals(new double[] {NAN, 5.0}, out);
        // two keys with scores +inf and 0: LSE +inf, weights (NaN, 0)
        Fp64Rows.attentionHead(new double[] {1}, new double[] {INF, 0}, new double[] {5, 6}, 0, 1, 2, 1, 1, 1.0,
                MaskAlignment.NONE, out, lse);
        assertEquals(INF, lse[0], 0.0);
        assertEquals(NAN, out[0], 0.0);
    }

    @Test
    void gapTokensWithNonFiniteLogits() {
        // B = 2 tokens, H = 2 heads, V = 2; token 0: a NaN in head 1; token 1: a -inf in head 0
        Tensor logits = Tensor.of(new double[] {0, 0, 1, NAN, -INF, 0, 0, 0}, 2, 2, 2);
        double[] zh = new double[4];
        double[] z = new double[2];
        double[] zm = new double[2];
        Fp64Rows.gapToken(logits, null, 0, 2, 2, zh, z, zm);
        Fp64Rows.gapToken(logits, null, 1, 2, 2, zh, z, zm);
        assertEquals(Math.log(2), zh[0], 1e-16);
        assertEquals(NAN, zh[1], 0.0);
        assertEquals(NAN, z[0], 0.0);
        assertEquals(NAN, zm[0], 0.0);
        assertEquals(0.0, zh[2], 0.0, "head [-inf, 0]: log(0 + 1)");
        assertEquals(Math.log(2), zh[3], 1e-16);
        assertEquals(0.0, z[1], 0.0, "aggregate [-inf, 0]");
        assertEquals(0.0, zm[1], 0.0, "mean [-inf, 0]");
        assertEquals(1, Fp64Rows.gapTokenNonFinite(logits, null, 0, 2, 2));
        Tensor extra = Tensor.of(new double[] {INF, 0}, 2);
        assertEquals(2, Fp64Rows.gapTokenNonFinite(logits, extra, 1, 2, 2));
        Fp64Rows.gapToken(logits, extra, 1, 2, 2, zh, z, zm);
        assertEquals(NAN, z[1], 0.0, "aggregate [-inf + inf, 0]: NaN");
        assertEquals(0.0, zm[1], 0.0, "the mean leaves the extra logits out");
    }
}
