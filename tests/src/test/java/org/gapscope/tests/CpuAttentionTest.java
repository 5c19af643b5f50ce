package org.gapscope.tests;

import static org.gapscope.tests.EquivalenceTest.REF;
import static org.gapscope.tests.EquivalenceTest.close;
import static org.gapscope.tests.EquivalenceTest.gaussian;
import static org.gapscope.tests.EquivalenceTest.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.DType;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's FP32 attention beyond the harness's shapes: its reused packing buffers (a call after
 * a larger one gives the same bits), and heads whose finite inputs are too large for FP32 scores or for
 * FP32 scores times the scale (each takes the FP64 special path, decided from the input, next to heads
 * that run in FP32; HardInputsTest has a block sum P V beyond FP32 on every backend).
 */
class CpuAttentionTest {
    final CpuBackend cpu = new CpuBackend();

    static long[] bits(AttentionResult r) {
        double[] o = r.out().toDoubles();
        double[] l = r.lse().toDoubles();
        long[] b = new long[o.length + l.length];
        for (int i = 0; i < o.length; i++) {
            b[i] = Double.doubleToRawLongBits(o[i]);
        }
        for (int i = 0; i < l.length; i++) {
            b[o.length + i] = Double.doubleToRawLongBits(l[i]);
        }
        return b;
    }

    @Test
    void aCallAfterALargerOneGivesTheSameBits() {
        Tensor q = tensor(DType.F32, gaussian(2 * 50 * 20, 1.0, 81), 2, 50, 20);
        Tensor k = tensor(DType.F32, gaussian(2 * 45 * 20, 1.0, 82), 2, 45, 20);
        Tensor v = tensor(DType.F32, gaussian(2 * 45 * 12, 1.0, 83), 2, 45, 12);
        long[] first = bits(cpu.attention(q, k, v, 0.3, MaskAlignment.BOTTOM_RIGHT));
        Tensor bq = tensor(DType.F32, gaussian(3 * 300 * 20, 40.0, 84), 3, 300, 20);
        Tensor bk = tensor(DType.F32, gaussian(3 * 333 * 20, 40.0, 85), 3, 333, 20);
        Tensor bv = tensor(DType.F32, gaussian(3 * 333 * 70, 40.0, 86), 3, 333, 70);
        cpu.attention(bq, bk, bv, 0.3, MaskAlignment.NONE);
        long[] again = bits(cpu.attention(q, k, v, 0.3, MaskAlignment.BOTTOM_RIGHT));
        assertArrayEquals(first, again);
        // bottom-right with 50 queries and 45 keys: queries 0-4 of each head see no key, out +0.0, lse -inf
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < 12; c++) {
                    assertEquals(0L, again[(h * 50 + i) * 12 + c], "head " + h + " query " + i + ": +0.0");
                }
                assertEquals(Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY), again[2 * 50 * 12 + h * 50 + i]);
            }
        }
        // a thread that never ran attention (fresh packing buffers, sized by this call) gives the same bits
        long[][] fresh = new long[1][];
        Thread t = new Thread(() -> fresh[0] = bits(cpu.attention(bq, bk, bv, 0.3, MaskAlignment.TOP_LEFT)));
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(bits(cpu.attention(bq, bk, bv, 0.3, MaskAlignment.TOP_LEFT)), fresh[0]);
    }

    /**
     * A scale beyond FP32's range (1e39) with q = 0: every score is 0 in FP64 (uniform weights), but the
     * scale rounds to +inf in FP32 and 0 x inf is NaN, so every head must take the FP64 path.
     */
    @Test
    void aScaleBeyondFp32RunsInFp64() {
        int t = 9;
        int d = 4;
        Tensor q = tensor(DType.F32, new double[2 * t * d], 2, t, d);
        Tensor k = tensor(DType.F32, gaussian(2 * t * d, 1.0, 94), 2, t, d);
        double[] vv = gaussian(2 * t * d, 1.0, 95);
        Tensor v = tensor(DType.F32, vv, 2, t, d);
        AttentionResult e = REF.attention(q, k, v, 1e39, MaskAlignment.NONE);
        AttentionResult a = cpu.attention(q, k, v, 1e39, MaskAlignment.NONE);
        double tol = EquivalenceTest.attentionTol(DType.F64, new double[2 * t * d], k.toDoubles(), vv, 2, t, t, d, d, 1e39);
        close("lse", e.lse().toDoubles(), a.lse().toDoubles(), tol);
        close("out", e.out().toDoubles(), a.out().toDoubles(), tol);
    }

    /**
     * Head 1 holds q ~ 1e30 and k ~ 1e30: its scores overflow FP32 (not FP64), so it runs in FP64 and
     * matches the reference to FP64's bound; heads 0 and 2 run in FP32.
     */
    @Test
    void aHeadTooLargeForFp32ScoresRunsInFp64() {
        int t = 70;
        int d = 8;
        double[][] qkv = inputs(3, t, t, d);
        for (int i = t * d; i < 2 * t * d; i++) {
            qkv[0][i] *= 1e30;
            qkv[1][i] *= 1e30;
        }
        onlyHeadOneInFp64(qkv, 3, t, t, d, 1e-58);
    }

    /**
     * Head 1's dot products fit FP32 (|q . k| &le; 8e29 &lt; 2^100) but times a scale of 1e10 its scores
     * overflow FP32: the scale is part of the check.
     */
    @Test
    void aScaleThatMakesScoresOverflowFp32SendsTheHeadToFp64() {
        int t = 40;
        int d = 8;
        double[][] qkv = inputs(3, t, t, d);
        for (int i = t * d; i < 2 * t * d; i++) {
            qkv[0][i] = Math.scalb(Math.rint(qkv[0][i] * 4), 44);   // |q|, |k| up to ~ 2^47 = 1.4e14
            qkv[1][i] = Math.scalb(Math.rint(qkv[1][i] * 4), 44);
        }
        for (int i = 0; i < 3 * t * d; i++) { // heads 0 and 2: scores of order 1 at this scale
            if (i < t * d || i >= 2 * t * d) {
                qkv[0][i] *= 1e-10;
            }
        }
        onlyHeadOneInFp64(qkv, 3, t, t, d, 1e10);
    }

    /**
     * Shapes at the edges of the FP32 pass's blocks (W = 4 float lanes keys per panel, 2 W per key block,
     * 48 queries per query block, 64 dimensions per slice of Q K^T): one below, at and above each, every
     * mask alignment, against the reference within the FP32 bound.
     */
    @Test
    void shapesAtTheEdgesOfTheBlocks() {
        int w = 4 * CpuBackend.floatLanes();
        int kb = 2 * w;
        int[][] shapes = {{49, kb - 1, 65, w - 1}, {47, 2 * kb - 2, w - 1, w + 1}, {1, kb + 1, 3, 2 * w - 2},
            {2 * 48 + 5, kb, 64, w}, {48, 2 * kb - 1, 63, 2 * w - 1}};
        for (int[] sh : shapes) {
            int tq = sh[0];
            int tk = sh[1];
            int d = sh[2];
            int dv = sh[3];
            double[] q = gaussian(2 * tq * d, 1.0, 91);
            double[] k = gaussian(2 * tk * d, 1.0, 92);
            double[] v = gaussian(2 * tk * dv, 1.0, 93);
            double scale = 1.0 / Math.sqrt(d);
            double tol = EquivalenceTest.attentionTol(DType.F32, q, k, v, 2, tq, tk, d, dv, scale);
            Tensor tq32 = tensor(DType.F32, q, 2, tq, d);
            Tensor tk32 = tensor(DType.F32, k, 2, tk, d);
            Tensor tv32 = tensor(DType.F32, v, 2, tk, dv);
            for (MaskAlignment mask : MaskAlignment.values()) {
                AttentionResult e = REF.attention(tq32, tk32, tv32, scale, mask);
                AttentionResult a = cpu.attention(tq32, tk32, tv32, scale, mask);
                String what = "tq " + tq + " tk " + tk + " d " + d + " dv " + dv + " " + mask;
                close(what + " lse", e.lse().toDoubles(), a.lse().toDoubles(), tol);
                close(what + " out", e.out().toDoubles(), a.out().toDoubles(), tol);
            }
        }
    }

    /** Values of no dimension: empty outputs of the right shapes, as the reference gives them. */
    @Test
    void valuesOfNoDimensionGiveEmptyOutputs() {
        Tensor q = tensor(DType.F32, gaussian(2 * 5 * 4, 1.0, 96), 2, 5, 4);
        Tensor k = tensor(DType.F32, gaussian(2 * 3 * 4, 1.0, 97), 2, 3, 4);
        Tensor v = tensor(DType.F32, new double[0], 2, 3, 0);
        AttentionResult e = REF.attention(q, k, v, 0.5, MaskAlignment.NONE);
        AttentionResult a = cpu.attention(q, k, v, 0.5, MaskAlignment.NONE);
        assertArrayEquals(e.out().shape(), a.out().shape());
        assertArrayEquals(e.lse().shape(), a.lse().shape());
        assertEquals(0, a.out().size());
    }

    /** Gaussian q [heads, tq, d], k and v [heads, tk, d]. */
    static double[][] inputs(int heads, int tq, int tk, int d) {
        return new double[][] {gaussian(heads * tq * d, 1.0, 87), gaussian(heads * tk * d, 1.0, 88),
            gaussian(heads * tk * d, 1.0, 89)};
    }

    /**
     * F32 q, k, v (d = dv) on cpu against the reference, head by head, each to the bound of its own inputs:
     * head 1 within FP64's (it took the FP64 path), the others within FP32's and beyond FP64's somewhere
     * (they ran in FP32: a backend that sent every head to FP64 fails here).
     */
    void onlyHeadOneInFp64(double[][] qkv, int heads, int tq, int tk, int d, double scale) {
        Tensor q = tensor(DType.F32, qkv[0], heads, tq, d);
        Tensor k = tensor(DType.F32, qkv[1], heads, tk, d);
        Tensor v = tensor(DType.F32, qkv[2], heads, tk, d);
        AttentionResult e = REF.attention(q, k, v, scale, MaskAlignment.TOP_LEFT);
        AttentionResult a = cpu.attention(q, k, v, scale, MaskAlignment.TOP_LEFT);
        for (int h = 0; h < heads; h++) {
            double[] hq = java.util.Arrays.copyOfRange(q.toDoubles(), h * tq * d, (h + 1) * tq * d);
            double[] hk = java.util.Arrays.copyOfRange(k.toDoubles(), h * tk * d, (h + 1) * tk * d);
            double[] hv = java.util.Arrays.copyOfRange(v.toDoubles(), h * tk * d, (h + 1) * tk * d);
            double tol64 = EquivalenceTest.attentionTol(DType.F64, hq, hk, hv, 1, tq, tk, d, d, scale);
            double tol = h == 1 ? tol64 : EquivalenceTest.attentionTol(DType.F32, hq, hk, hv, 1, tq, tk, d, d, scale);
            double worst = 0;
            for (int i = 0; i < tq; i++) {
                long item = (long) h * tq + i;
                close("head " + h + " lse " + i, e.lse().get(item), a.lse().get(item), tol);
                worst = Math.max(worst, Math.abs(e.lse().get(item) - a.lse().get(item)));
                for (int c = 0; c < d; c++) {
                    close("head " + h + " out " + i + "," + c, e.out().get(item * d + c), a.out().get(item * d + c), tol);
                    worst = Math.max(worst, Math.abs(e.out().get(item * d + c) - a.out().get(item * d + c)));
                }
            }
            if (h != 1) {
                assertTrue(worst > tol64, "head " + h + " ran in FP32: its largest error " + worst
                        + " exceeds FP64's bound " + tol64);
            }
        }
    }
}
