package org.gapscope.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The small pieces of the cpu passes, each against its scalar definition: the one-pass range (max and
 * min) of a chunk and the input check drawn from it, the exp-sum's flag, the lane counts, the attention
 * input scan, and which sweep points keep pair states.
 */
class VectorPassesTest {

    /** The passes' premise: the preferred species share one shape (two floats per double, a long per double). */
    @Test
    void thePreferredSpeciesShareOneShape() {
        assertEquals(2 * VectorPasses.DS.length(), VectorPasses.FS.length());
        assertEquals(VectorPasses.DS.length(), VectorPasses.LS.length());
        assertEquals(VectorPasses.DS.vectorShape(), VectorPasses.FS.vectorShape());
    }


    static MemorySegment floats(float[] x) {
        MemorySegment s = Arena.ofAuto().allocate(4L * x.length + 4, 4);
        for (int i = 0; i < x.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, x[i]);
        }
        return s;
    }

    /**
     * Every count from 1 to 5 vectors and a bit (the unrolled body, the single-vector rest and the scalar
     * tail), with the largest and smallest value planted at every position in turn, read from an offset
     * of one element (the chunk's own start), equal the scalar max and min.
     */
    @Test
    void theRangeIsTheMaximumAndMinimumWhereverTheyAre() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom r = new SplittableRandom(5);
        for (int count = 1; count <= 5 * lanes + 3; count++) {
            for (int at = 0; at < count; at += Math.max(1, count / 7)) {
                float[] x = new float[count + 1];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextDouble(-1, 1);
                }
                x[0] = 1e30f; // before the chunk: must not be read
                x[1 + at] = 7.5f;
                x[1 + (count - 1 - at)] = x[1 + (count - 1 - at)] == 7.5f ? 7.5f : -9.25f;
                if (count == 1) {
                    x[1] = 7.5f;
                }
                long range = VectorPasses.range(floats(x), 4, count);
                float max = -Float.MAX_VALUE;
                float min = Float.MAX_VALUE;
                for (int i = 1; i <= count; i++) {
                    max = Math.max(max, x[i]);
                    min = Math.min(min, x[i]);
                }
                assertEquals(max, VectorPasses.rangeMax(range), 0f, "max of " + count + " at " + at);
                assertEquals(min, VectorPasses.rangeMin(range), 0f, "min of " + count + " at " + at);
            }
        }
    }

    @Test
    void theRangeDecidesWhetherAChunkCanTakeTheFastPass() {
        assertTrue(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {1, -2, 3}), 0, 3), 4f));
        // x * invT beyond FP32 at the maximum, at the minimum; NaN and infinities
        assertFalse(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {1e38f, 0}), 0, 2), 4f));
        assertTrue(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {1e38f, 0}), 0, 2), 0.25f));
        assertFalse(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {0, -1e38f}), 0, 2), 4f));
        assertFalse(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {0, Float.NaN, 1}), 0, 3), 1f));
        assertFalse(VectorPasses.rangeFinite(VectorPasses.range(floats(new float[] {Float.NEGATIVE_INFINITY, 1}), 0, 2), 1f));
        int n = 4 * FloatVector.SPECIES_PREFERRED.length() + 1;
        float[] x = new float[n];
        x[n / 2] = Float.NaN; // in the vector body
        double[] m = new double[1];
        double[] d = new double[1];
        assertFalse(VectorPasses.expSum(floats(x), 0, n, 1f, m, d, 0), "a NaN chunk is flagged");
        x[n / 2] = 0;
        assertTrue(VectorPasses.expSum(floats(x), 0, n, 1f, m, d, 0), "a finite chunk is not");
        assertEquals(n, d[0], 0.0);
    }

    @Test
    void laneCountsAreTheSpeciesOwn() {
        assertEquals(FloatVector.SPECIES_PREFERRED.length(), VectorPasses.floatLanes());
        assertEquals(FloatVector.SPECIES_PREFERRED.length(), CpuBackend.floatLanes());
        assertEquals(FloatVector.SPECIES_PREFERRED.vectorBitSize(), VectorPasses.vectorBits());
        assertEquals(VectorDraws.SWEEP_BLOCK / FloatVector.SPECIES_PREFERRED.length(), CpuBackend.sweepPairTermsPerLane());
    }

    @Test
    void theAttentionScanFindsTheLargestMagnitudeAndNaN() {
        int n = 3 * FloatVector.SPECIES_PREFERRED.length() + 2;
        float[] x = new float[n];
        x[5] = -40f;
        assertEquals(40.0, VectorScan.maxAbs(floats(x), 0, n), 0.0);
        x[n - 1] = 50f; // in the tail
        assertEquals(50.0, VectorScan.maxAbs(floats(x), 0, n), 0.0);
        x[3] = Float.NaN;
        assertTrue(Double.isNaN(VectorScan.maxAbs(floats(x), 0, n)), "a NaN in the body");
        x[3] = 0;
        x[0] = Float.NaN; // lane 0's later values are larger: the NaN is kept
        x[FloatVector.SPECIES_PREFERRED.length()] = 1e30f;
        assertTrue(Double.isNaN(VectorScan.maxAbs(floats(x), 0, n)), "a NaN before larger values in its lane");
        x[0] = 0;
        x[n - 2] = Float.NaN;
        assertTrue(Double.isNaN(VectorScan.maxAbs(floats(x), 0, n)), "a NaN in the tail");
    }

    @Test
    void pairStatesUpToTheirHeadCount() {
        CpuBackend cpu = new CpuBackend();
        assertTrue(cpu.available());
        assertEquals("", cpu.unavailableReason());
        assertEquals(VectorDraws.SWEEP_VECTOR, cpu.sweepPairs(CpuBackend.SWEEP_PAIR_HEADS));
        assertFalse(cpu.sweepPairs(CpuBackend.SWEEP_PAIR_HEADS + 1));
    }
}
