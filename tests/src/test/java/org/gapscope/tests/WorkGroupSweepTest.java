package org.gapscope.tests;

import org.gapscope.api.SweepSpec;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;
import org.gapscope.kernels.SweepGap;
import org.junit.jupiter.api.Test;

/**
 * The work-group form of the sweep's two passes (the one the tornado backend launches on GPUs: one
 * work-group per chunk, the first pass head by head, tree reductions in local memory) run from its kernel
 * bodies (SweepGap.groupHeadFold, groupSumsFold, groupMergeHead; groupBrier) on the sequential grid, so that its math is
 * checked on every build with the equivalence harness's sweep checks and tolerances. A barrier step of a
 * tree (Tasks.sweepGapPartialGroup keeps them) is emulated by running work-items in order: work-item t
 * reads slot t + stride, which no work-item of the same step writes. Strided chunks of 1000 as on GPUs,
 * 8 work-items per group and rounds of 16 indices, so a chunk takes many rounds, and V = 1 and 37
 * leave work-items without indices in a round.
 */
class WorkGroupSweepTest {

    static final int GROUP = 8;
    static final int SPAN = 16;

    /** The grid backend whose sweep passes run the work-group bodies. */
    static final class WorkGroupGrid extends KernelBackend {
        WorkGroupGrid() {
            super("grid-workgroups", SEQUENTIAL, Chunks.STRIDED, 1000, 4099);
        }

        @Override
        protected void sweepGapPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                        double[] hd, double[] hd2, double[] am, double[] ad, double[] mm,
                                        double[] md, double[] lt) {
            int items = n * chunks;
            int h = spec.heads();
            int v = spec.vocab();
            int law = spec.law().code;
            double cs = Math.sqrt(spec.rho());
            double ce = Math.sqrt(1 - spec.rho());
            int[] scratch = new int[items * GROUP * 4];
            double[] work = new double[items * GROUP * SweepGap.GROUP_SLOTS];
            double[] ySums = new double[items * SPAN];
            double[] m = new double[GROUP];
            double[] d = new double[GROUP];
            double[] d2 = new double[GROUP];
            for (int g = 0; g < items; g++) {
                long count = Chunks.count(v, chunks, g % chunks, layout);
                for (long r0 = 0; r0 < count; r0 += SPAN) {
                    for (int head = 0; head < h; head++) {
                        for (int t = 0; t < GROUP; t++) {
                            SweepGap.groupHeadFold(g, t, GROUP, r0, SPAN, head, law, h, v, chunks, layout, t0,
                                    spec.seed(), spec.sigma(), spec.margin(), cs, ce, spec.temperature(), targets,
                                    scratch, work, ySums, lt);
                            int w = (g * GROUP + t) * SweepGap.GROUP_SLOTS;
                            m[t] = work[w];
                            d[t] = work[w + 1];
                            d2[t] = work[w + 2];
                        }
                        tree(m, d, d2);
                        SweepGap.groupMergeHead(g, head, h, r0, m[0], d[0], d2[0], hm, hd, hd2);
                    }
                    for (int t = 0; t < GROUP; t++) {
                        SweepGap.groupSumsFold(g, t, GROUP, r0, SPAN, h, v, chunks, layout, ySums, work);
                    }
                }
                for (int k = 0; k < 2; k++) { // the aggregate's state at slots 3, 4, the mean's at 5, 6
                    for (int t = 0; t < GROUP; t++) {
                        int w = (g * GROUP + t) * SweepGap.GROUP_SLOTS + 3 + 2 * k;
                        m[t] = work[w];
                        d[t] = work[w + 1];
                        d2[t] = 0;
                    }
                    tree(m, d, d2);
                    (k == 0 ? am : mm)[g] = m[0];
                    (k == 0 ? ad : md)[g] = d[0];
                }
            }
        }

        @Override
        protected void sweepGapBriers(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] logZHeads,
                                      double[] mixSq) {
            int items = n * chunks;
            int[] scratch = new int[items * GROUP * 4];
            double[] local = new double[GROUP];
            for (int g = 0; g < items; g++) {
                for (int t = 0; t < GROUP; t++) {
                    local[t] = SweepGap.groupBrier(g, t, GROUP, spec.law().code, spec.heads(), spec.vocab(), chunks,
                            layout, t0, spec.seed(), spec.sigma(), spec.margin(), Math.sqrt(spec.rho()),
                            Math.sqrt(1 - spec.rho()), spec.temperature(), targets, scratch, logZHeads);
                }
                for (int stride = GROUP / 2; stride > 0; stride /= 2) { // the tree of Tasks.sweepGapBrierGroup
                    for (int t = 0; t < stride; t++) {
                        local[t] += local[t + stride];
                    }
                }
                mixSq[g] = local[0];
            }
        }

        /** The tree of Tasks.sweepGapPartialGroup over the group's states (m, d, d2), result in slot 0. */
        static void tree(double[] m, double[] d, double[] d2) {
            for (int stride = GROUP / 2; stride > 0; stride /= 2) {
                for (int t = 0; t < stride; t++) {
                    double top = Math.max(m[t], m[t + stride]);
                    double ra = Math.exp(m[t] - top);
                    double rb = Math.exp(m[t + stride] - top);
                    d[t] = d[t] * ra + d[t + stride] * rb;
                    d2[t] = d2[t] * (ra * ra) + d2[t + stride] * (rb * rb);
                    m[t] = top;
                }
            }
        }
    }

    /**
     * Every law, the harness's shapes (tiny, odd V, several chunks, many heads), hot points whose logits
     * reach ~7000 (a state merged in the tree or across rounds without its maximum overflows), token ranges
     * (bit for bit the whole point's tokens) and the point without the Brier gap.
     */
    @Test
    void theWorkGroupFormPassesTheHarnessSweepChecks() {
        KernelBackend b = new WorkGroupGrid();
        EquivalenceTest.sweepGap(b);
        EquivalenceTest.sweepGapRanges(b);
    }
}
