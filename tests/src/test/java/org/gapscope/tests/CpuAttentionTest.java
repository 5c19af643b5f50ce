package org.gapscope.tests;

import static org.gapscope.tests.EquivalenceTest.REF;
import static org.gapscope.tests.EquivalenceTest.close;
import static org.gapscope.tests.EquivalenceTest.gaussian;
import static org.gapscope.tests.EquivalenceTest.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.DType;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's FP32 attention beyond the harness's shapes: its reused packing buffers (a call after
 * a larger one gives the same bits), and a head whose finite inputs are too large for FP32 scores (it
 * takes the FP64 special path, decided from the input, next to heads that run in FP32).
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
        assertArrayEquals(first, bits(cpu.attention(q, k, v, 0.3, MaskAlignment.BOTTOM_RIGHT)));
    }

    /**
     * Head 1 holds q ~ 1e30 and k ~ 1e30: its scores overflow FP32 (not FP64), so it runs in FP64 and
     * matches the reference to FP64's bound; heads 0 and 2 run in FP32.
     */
    @Test
    void aHeadTooLargeForFp32ScoresRunsInFp64() {
        int heads = 3;
        int t = 70;
        int d = 8;
        double[] q = gaussian(heads * t * d, 1.0, 87);
        double[] k = gaussian(heads * t * d, 1.0, 88);
        double[] v = gaussian(heads * t * d, 1.0, 89);
        for (int i = t * d; i < 2 * t * d; i++) {
            q[i] *= 1e30;
            k[i] *= 1e-30 * 1e30 * 1e30;
        }
        Tensor tq = tensor(DType.F32, q, heads, t, d);
        Tensor tk = tensor(DType.F32, k, heads, t, d);
        Tensor tv = tensor(DType.F32, v, heads, t, d);
        double scale = 1e-58;
        AttentionResult e = REF.attention(tq, tk, tv, scale, MaskAlignment.TOP_LEFT);
        AttentionResult a = cpu.attention(tq, tk, tv, scale, MaskAlignment.TOP_LEFT);
        double tolFp64 = EquivalenceTest.attentionTol(DType.F64, q, k, v, heads, t, t, d, d, scale);
        for (int h = 0; h < heads; h++) {
            double tol = h == 1 ? tolFp64 : EquivalenceTest.attentionTol(DType.F32, q, k, v, heads, t, t, d, d, scale);
            for (int i = 0; i < t; i++) {
                long item = (long) h * t + i;
                close("head " + h + " lse " + i, e.lse().get(item), a.lse().get(item), tol);
                for (int c = 0; c < d; c++) {
                    close("head " + h + " out " + i + "," + c, e.out().get(item * d + c), a.out().get(item * d + c), tol);
                }
            }
        }
    }
}
