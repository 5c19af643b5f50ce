package org.gapscope.host;

import org.gapscope.api.DType;
import org.gapscope.api.Checks;
import org.gapscope.api.Tensor;

/**
 * The matrix product of {@link org.gapscope.api.Backend#matmul} in FP64 loops on the host, one thread (the
 * reference's, and every backend's that has no faster one, through {@link BaseBackend}):
 * C[i, j] = sum_k A[i, k] B[j, k] (transposeB: B is [N, K], the layout of a linear layer's weight and of
 * an unembedding) or sum_k A[i, k] B[k, j] (B is [K, N], GPT-2's Conv1D), summed in k order. Inputs F32
 * or F64, widened; relative error of each entry ~ K 2^-53 of sum_k |A[i, k] B[., k]|.
 */
public final class Matmul {
    private Matmul() {}

    /** FP64 product into out (or a new F64 tensor when out is null). */
    public static Tensor fp64(Tensor a, Tensor b, boolean transposeB, Tensor out) {
        int[] s = Checks.matmul(a, b, transposeB, out);
        int m = s[0];
        int k = s[1];
        int n = s[2];
        Tensor c = out != null ? out : Tensor.zeros(DType.F64, m, n);
        double[] row = new double[k];
        double[] col = new double[k];
        for (int j = 0; j < n; j++) {
            for (int kk = 0; kk < k; kk++) {
                col[kk] = transposeB ? b.get((long) j * k + kk) : b.get((long) kk * n + j);
            }
            for (int i = 0; i < m; i++) {
                for (int kk = 0; kk < k; kk++) {
                    row[kk] = a.get((long) i * k + kk);
                }
                double acc = 0;
                for (int kk = 0; kk < k; kk++) {
                    acc += row[kk] * col[kk];
                }
                c.set((long) i * n + j, acc);
            }
        }
        return c;
    }
}
