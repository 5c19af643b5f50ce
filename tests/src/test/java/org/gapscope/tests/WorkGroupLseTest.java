package org.gapscope.tests;

import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.LogSumExp;
import org.junit.jupiter.api.Test;

/**
 * The work-group form of the LSE (the one the tornado backend launches on GPUs: one work-group per
 * chunk, tree reductions in local memory) run from its kernel bodies (each work-item's strided pass,
 * LogSumExp.groupMax and groupExpSum) on the sequential grid, so that its math is checked on every
 * build, with the equivalence harness's own checks and tolerances. A barrier step of the tree
 * (Tasks.lsePartialGroupF32 keeps it) is emulated by running work-items in order: work-item t reads
 * local[t + stride], which no work-item of the same step writes, so the order does not matter.
 */
class WorkGroupLseTest {

    /** The grid backend whose FP32 LSE runs the work-group bodies, 8 work-items per group of 1000 elements. */
    static final class WorkGroupGrid extends KernelBackend {
        static final int GROUP = 8;
        static final int GROUP_CHUNK = 1000;

        WorkGroupGrid() {
            super("grid-workgroups", SEQUENTIAL, Chunks.CONTIGUOUS, GROUP_CHUNK, 4099);
        }

        @Override
        protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
            if (x.dtype() != DType.F32) {
                super.lseRows(x, r0, n, v, invT, out, special);
                return;
            }
            float[] a = x.toFloats((long) r0 * v, n * v);
            for (int r = 0; r < n; r++) {
                special[r0 + r] = !scaledFinite(a, r * v, v, invT);
            }
            int chunks = chunks(v, GROUP_CHUNK);
            double[] m = new double[n * chunks];
            double[] d = new double[n * chunks];
            double[] local = new double[GROUP];
            for (int g = 0; g < n * chunks; g++) {
                long base = (long) (g / chunks) * v + Chunks.start(v, chunks, g % chunks, Chunks.CONTIGUOUS);
                long count = Chunks.count(v, chunks, g % chunks, Chunks.CONTIGUOUS);
                for (int t = 0; t < GROUP; t++) {
                    local[t] = LogSumExp.groupMax(t, GROUP, a, base, count, invT);
                }
                for (int stride = GROUP / 2; stride > 0; stride /= 2) {
                    for (int t = 0; t < GROUP; t++) {
                        local[t] = t < stride ? Math.max(local[t], local[t + stride]) : local[t]; // as Tasks

                    }
                }
                double top = local[0];
                for (int t = 0; t < GROUP; t++) {
                    local[t] = LogSumExp.groupExpSum(t, GROUP, a, base, count, invT, top);
                }
                for (int stride = GROUP / 2; stride > 0; stride /= 2) {
                    for (int t = 0; t < GROUP; t++) {
                        local[t] = t < stride ? local[t] + local[t + stride] : local[t];

                    }
                }
                m[g] = top;
                d[g] = local[0];
            }
            double[] res = new double[n];
            launcher.run(n, r -> LogSumExp.lseMerge(r, chunks, m, d, res));
            System.arraycopy(res, 0, out, r0, n);
        }
    }

    /**
     * The harness's row families and the hard rows (|x| &gt; 700 at T = 0.5 and 1, one dominant logit
     * among -900s, NaN and infinities): there a work-item maximum taken over the wrong elements or scaled
     * wrongly makes exp(x/T - top) overflow, which the harness sees.
     */
    @Test
    void theWorkGroupFormPassesTheHarnessRowChecks() throws Throwable {
        KernelBackend b = new WorkGroupGrid();
        java.util.List<EquivalenceTest.Rows> families = new java.util.ArrayList<>(EquivalenceTest.rowFamilies());
        families.addAll(HardInputsTest.hardRows());
        for (EquivalenceTest.Rows rows : families) {
            EquivalenceTest.logSumExp(b, DType.F32, rows);
            EquivalenceTest.softmax(b, DType.F32, rows, false);
            EquivalenceTest.softmax(b, DType.F32, rows, true);
        }
    }
}
