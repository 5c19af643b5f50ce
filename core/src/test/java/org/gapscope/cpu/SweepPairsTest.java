package org.gapscope.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.ErrorBounds;
import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepSpec;
import org.gapscope.kernels.SweepGap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The sweep's pair states (VectorDraws.blockPairs, SweepGap.sweepGapPairBrier) against the second pass
 * that draws every logit again (VectorDraws.sweepGapBrierItem), on one (token, chunk) item: the same
 * sum_y (sum_h pi_h(y))^2 within {@link ErrorBounds#sweepPairs}.
 */
class SweepPairsTest {

    /** {heads, count}: one head (no pairs); part-filled tiles of 4 heads; a short and an odd last block. */
    static final int[][] SHAPES = {{1, 700}, {3, 37}, {5, 1031}, {7, 1500}, {32, 2048}, {33, 4096}};

    /** The states of one item: hm, hd, hd2 (per head), pairs (packed), from VectorDraws.sweepGapItem. */
    record Item(double[] hm, double[] hd, double[] hd2, double[] pairs) {}

    static SweepSpec spec(SweepLaw law, int heads, int count) {
        return new SweepSpec(law, heads, count, 1, 1.3, law.usesMargin() ? 3.0 : 0, law.usesRho() ? 0.6 : 0, 0.7,
                17 + count);
    }

    static Item item(SweepSpec s, int target, boolean pairs) {
        int h = s.heads();
        double[] hm = new double[h];
        double[] hd = new double[h];
        double[] hd2 = new double[h];
        double[] p = pairs ? new double[h * (h - 1) / 2] : null;
        VectorDraws.sweepGapItem(s.law().code, 0, h, s.vocab(), 0, s.vocab(), target, s.seed(), s.sigma(),
                s.margin(), Math.sqrt(s.rho()), Math.sqrt(1 - s.rho()), s.temperature(), hm, hd, hd2,
                new double[1], new double[1], new double[1], new double[1], 0, new double[h], 0, p);
        return new Item(hm, hd, hd2, p);
    }

    /** log Z_h of a one-chunk item: m + log d. */
    static double[] logZ(Item it) {
        double[] z = new double[it.hm().length];
        for (int h = 0; h < z.length; h++) {
            z[h] = it.hm()[h] + Math.log(it.hd()[h]);
        }
        return z;
    }

    /**
     * Bound: {@link ErrorBounds#sweepPairs} for the pair path; the second pass sums V (sum of H terms)^2
     * in FP64 with FP64 exp (within an ulp), relative (V + H + 4) u64 per side, both paths' exp(m - log Z)
     * and the squares a few u64 more: 4 (V + H + 4) u64.
     */
    @Test
    void thePairStatesGiveTheSecondPassesBrierTerm() {
        Assumptions.assumeTrue(VectorDraws.SWEEP_VECTOR, "the vector sweep passes run on this CPU");
        for (SweepLaw law : SweepLaw.values()) {
            for (int[] shape : SHAPES) {
                SweepSpec s = spec(law, shape[0], shape[1]);
                int target = shape[1] / 3;
                Item it = item(s, target, true);
                double[] z = logZ(it);
                double[] pair = new double[1];
                SweepGap.sweepGapPairBrier(0, s.heads(), 1, it.hm(), it.hd2(), it.pairs(), z, new double[s.heads()],
                        pair);
                double redraw = VectorDraws.sweepGapBrierItem(s.law().code, 0, s.heads(), s.vocab(), 0, s.vocab(),
                        target, s.seed(), s.sigma(), s.margin(), Math.sqrt(s.rho()), Math.sqrt(1 - s.rho()),
                        s.temperature(), z, 0);
                double tol = ErrorBounds.sweepPairs(CpuBackend.sweepPairTermsPerLane(), s.maxAbsLogit())
                        + 4 * (s.vocab() + s.heads() + 4) * ErrorBounds.U64;
                String w = s + ": pair states " + pair[0] + ", second pass " + redraw;
                assertTrue(redraw > 0 && Math.abs(pair[0] - redraw) <= tol * redraw, w);
            }
        }
    }

    /** The identical law: every head has the same e, so every pair state is each head's d2 (within the bound). */
    @Test
    void identicalHeadsHaveTheirD2AsEveryPairState() {
        Assumptions.assumeTrue(VectorDraws.SWEEP_VECTOR, "the vector sweep passes run on this CPU");
        SweepSpec s = spec(SweepLaw.identical, 9, 3000);
        Item it = item(s, 5, true);
        double tol = ErrorBounds.sweepPairs(CpuBackend.sweepPairTermsPerLane(), s.maxAbsLogit());
        for (double p : it.pairs()) {
            assertEquals(it.hd2()[0], p, tol * it.hd2()[0]);
        }
    }

    /**
     * Keeping the pair states changes none of the other states' bits, and they do not depend on what the
     * thread's buffers held before (items of other head counts in between).
     */
    @Test
    void pairStatesAreDeterministicAndLeaveTheHeadStatesAlone() {
        Assumptions.assumeTrue(VectorDraws.SWEEP_VECTOR, "the vector sweep passes run on this CPU");
        SweepSpec big = spec(SweepLaw.correlated, 32, 2500);
        SweepSpec small = spec(SweepLaw.agree, 6, 777);
        Item a = item(big, 11, true);
        Item plain = item(big, 11, false);
        item(small, 3, true);
        Item b = item(big, 11, true);
        assertArrayEquals(a.pairs(), b.pairs(), 0.0);
        assertArrayEquals(plain.hm(), a.hm(), 0.0);
        assertArrayEquals(plain.hd(), a.hd(), 0.0);
        assertArrayEquals(plain.hd2(), a.hd2(), 0.0);
        Item c = item(small, 3, true);
        item(big, 11, true);
        assertArrayEquals(c.pairs(), item(small, 3, true).pairs(), 0.0);
    }
}
