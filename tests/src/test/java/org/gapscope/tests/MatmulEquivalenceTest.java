package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.gapscope.api.Backend;
import org.gapscope.api.DType;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.Tensor;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#matmul} of every registered backend against the reference's FP64 loops: both layouts
 * of B with F32 and F64 operands, sizes that are not multiples of any tile (M = 1, 5, 37; N = 1, 47, 97,
 * 127, 1024; K = 1, 3, 64, 769) and empty ones (M, K or N = 0).
 *
 * <p>Tolerance per entry: {@link ErrorBounds#matmul} of sum_k |A[i, k] B[k, j]|. The per-backend
 * check is a case of {@link EquivalenceTest} (its op list comes from the Backend interface).
 */
class MatmulEquivalenceTest {

    /** [M, K, N]: sizes that are not multiples of any tile. */
    static final List<int[]> SHAPES = List.of(new int[] {1, 1, 1}, new int[] {5, 3, 47}, new int[] {37, 64, 97},
            new int[] {4, 769, 1024}, new int[] {9, 17, 48}, new int[] {3, 5, 127}, new int[] {0, 4, 3},
            new int[] {2, 0, 5}, new int[] {3, 2, 0});

    /** The harness's case of the op (EquivalenceTest runs it on every backend): every shape, both layouts, F32 and F64. */
    static void matmul(Backend be) {
        for (int[] s : SHAPES) {
            check(be, s[0], s[1], s[2], true, DType.F32);
            check(be, s[0], s[1], s[2], false, DType.F32);
            check(be, s[0], s[1], s[2], true, DType.F64);
            check(be, s[0], s[1], s[2], false, DType.F64);
        }
    }

    static Tensor random(DType dt, long seed, int rows, int cols) {
        SplittableRandom r = new SplittableRandom(seed);
        if (dt == DType.F32) {
            float[] f = new float[rows * cols];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (r.nextDouble() * 2 - 1);
            }
            return Tensor.of(f, rows, cols);
        }
        double[] d = new double[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextDouble() * 2 - 1;
        }
        return Tensor.of(d, rows, cols);
    }

    static void check(Backend be, int m, int k, int n, boolean transposeB, DType dt) {
        String backend = be.name() + " matmul M=" + m + " K=" + k + " N=" + n + " transposeB=" + transposeB + " " + dt;
        Tensor a = random(dt, 1, m, k);
        Tensor b = transposeB ? random(dt, 2, n, k) : random(dt, 2, k, n);
        Tensor ref = new ReferenceBackend().matmul(a, b, transposeB, null);
        Tensor got = be.matmul(a, b, transposeB, null);
        // into a caller's output of either type (filled with garbage first): the same values, in that tensor
        for (DType outType : new DType[] {DType.F32, DType.F64}) {
            Tensor out = Tensor.zeros(outType, m, n);
            for (long i = 0; i < (long) m * n; i++) {
                out.set(i, -7.5);
            }
            Tensor into = be.matmul(a, b, transposeB, out);
            assertTrue(into == out, backend + ": the result is the caller's " + outType + " tensor");
            for (long i = 0; i < (long) m * n; i++) {
                double want = outType == DType.F32 ? (float) got.get(i) : got.get(i);
                assertTrue(want == out.get(i),
                        backend + " into " + outType + " C[" + i + "] = " + out.get(i) + ", expected " + want);
            }
        }
        double bound = ErrorBounds.matmul(be.matmulType(), k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int kk = 0; kk < k; kk++) {
                    abs += Math.abs(a.get((long) i * k + kk) * (transposeB ? b.get((long) j * k + kk) : b.get((long) kk * n + j)));
                }
                double err = Math.abs(got.get((long) i * n + j) - ref.get((long) i * n + j));
                assertTrue(err <= bound * abs, backend + " C[" + i + "," + j + "] off by " + err + " > bound "
                        + bound * abs);
            }
        }
    }

    @Test
    void cpuGivesTheSameBitsOnOneThreadAndMany() throws Exception {
        Backend cpu = org.gapscope.api.Backends.select("cpu");
        Tensor a = random(DType.F32, 3, 37, 300);
        Tensor b = random(DType.F32, 4, 1000, 300);
        float[] many = cpu.matmul(a, b, true, null).toFloats(0, 37 * 1000);
        float[] one = new ForkJoinPool(1).submit(() -> cpu.matmul(a, b, true, null).toFloats(0, 37 * 1000)).get();
        // the writes into a caller's tensor give the same bits as a fresh result
        Tensor out = Tensor.zeros(DType.F32, 37, 1000);
        cpu.matmul(a, b, true, out);
        assertArrayEquals(many, one);
        assertArrayEquals(many, out.toFloats(0, 37 * 1000));
    }
}
