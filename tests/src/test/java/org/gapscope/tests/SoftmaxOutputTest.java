package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.gapscope.api.Backend;
import org.gapscope.api.DType;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/**
 * softmax and logSoftmax into a caller's output tensor (F32 or F64): the values of the reference within
 * the equivalence harness's bound, the output reused, the same bits whether a row is a work item or its
 * chunks are (cpu), and a wrong output shape refused.
 */
class SoftmaxOutputTest {
    static final ReferenceBackend REF = new ReferenceBackend();
    final List<Backend> backends = List.of(new CpuBackend(), REF);

    /** Shapes: one element, odd V over 2 chunks, 9 rows (more than twice the threads: rows are items). */
    static final int[][] SHAPES = {{1, 1}, {3, 5003}, {2, 9000}, {9, 4097}};

    static Tensor input(int rows, int v, long seed) {
        double[] x = EquivalenceTest.gaussian(rows * v, 3.0, seed);
        if (rows > 2) {
            x[v + 5] = Double.POSITIVE_INFINITY;  // row 1: +inf (host path)
            for (int i = 0; i < v; i++) {          // row 2: only -inf (NaN row)
                x[2 * v + i] = Double.NEGATIVE_INFINITY;
            }
        }
        return EquivalenceTest.tensor(DType.F32, x, rows, v);
    }

    /**
     * Tolerances: {@link ErrorBounds#softmax} and {@link ErrorBounds#logSoftmax} for the output's type. At
     * T = 0.01 the scaled logits reach ~1500, beyond exp's range: a shift that is not the row's maximum of
     * x/T overflows.
     */
    @Test
    void intoF32AndF64OutputsMatchTheReference() {
        for (double t : new double[] {0.7, 0.01}) {
            for (int[] s : SHAPES) {
                intoOutputs(input(s[0], s[1], 11), t);
            }
        }
    }

    void intoOutputs(Tensor x, double t) {
        long[] s = x.shape();
        double maxAbs = EquivalenceTest.maxAbs(x.toDoubles()) / t;
        double lse = EquivalenceTest.lseTol(DType.F32, s[1], maxAbs);
        Tensor eS = REF.softmax(x, t);
        Tensor eL = REF.logSoftmax(x, t);
        for (Backend b : backends) {
            for (DType dt : DType.values()) {
                Tensor out = Tensor.zeros(dt, s[0], s[1]);
                String w = " " + dt + " " + s[0] + "x" + s[1] + " T " + t + "[";
                assertSame(out, b.softmax(x, t, out));
                for (long i = 0; i < x.size(); i++) {
                    EquivalenceTest.close(b.name() + " softmax" + w + i + "]", eS.get(i), out.get(i),
                            ErrorBounds.softmax(dt, lse, maxAbs, eS.get(i)));
                }
                assertSame(out, b.logSoftmax(x, t, out)); // the same output reused
                for (long i = 0; i < x.size(); i++) {
                    EquivalenceTest.close(b.name() + " logSoftmax" + w + i + "]", eL.get(i), out.get(i),
                            ErrorBounds.logSoftmax(dt, lse, maxAbs, eL.get(i)));
                }
            }
        }
    }

    @Test
    void anF64OutputHoldsTheSameBitsAsTheAllocatingOp() {
        CpuBackend cpu = new CpuBackend();
        Tensor x = input(9, 4097, 12);
        Tensor out = Tensor.zeros(DType.F64, 9, 4097);
        assertArrayEquals(cpu.softmax(x, 1.0).toDoubles(), cpu.softmax(x, 1.0, out).toDoubles());
        assertArrayEquals(cpu.logSoftmax(x, 1.0).toDoubles(), cpu.logSoftmax(x, 1.0, out).toDoubles());
    }

    /** 9 rows run a row per work item; one row alone runs its chunks as items: the same bits. */
    @Test
    void rowsAsItemsAndChunksAsItemsGiveTheSameBits() {
        CpuBackend cpu = new CpuBackend();
        Tensor x = input(9, 9000, 13);
        for (DType dt : DType.values()) {
            Tensor all = cpu.softmax(x, 1.3, Tensor.zeros(dt, 9, 9000));
            Tensor allLog = cpu.logSoftmax(x, 1.3, Tensor.zeros(dt, 9, 9000));
            for (int r = 0; r < 9; r++) {
                Tensor row = Tensor.of(x.toFloats(r * 9000L, 9000), 1, 9000);
                Tensor one = cpu.softmax(row, 1.3, Tensor.zeros(dt, 1, 9000));
                Tensor oneLog = cpu.logSoftmax(row, 1.3, Tensor.zeros(dt, 1, 9000));
                for (int i = 0; i < 9000; i++) {
                    assertEquals(Double.doubleToRawLongBits(all.get(r * 9000L + i)), Double.doubleToRawLongBits(one.get(i)),
                            dt + " softmax row " + r + " [" + i + "]");
                    assertEquals(Double.doubleToRawLongBits(allLog.get(r * 9000L + i)),
                            Double.doubleToRawLongBits(oneLog.get(i)), dt + " logSoftmax row " + r + " [" + i + "]");
                }
            }
        }
    }

    @Test
    void anOutputOfAnotherShapeIsRefused() {
        Tensor x = input(3, 10, 14);
        for (Backend b : backends) {
            InputException e = assertThrows(InputException.class, () -> b.softmax(x, 1.0, Tensor.zeros(DType.F32, 3, 11)));
            assertEquals("softmax: the output's shape [3, 11] differs from the input's [3, 10]", e.getMessage());
            assertThrows(InputException.class, () -> b.logSoftmax(x, 1.0, Tensor.zeros(DType.F64, 30)));
        }
    }
}
