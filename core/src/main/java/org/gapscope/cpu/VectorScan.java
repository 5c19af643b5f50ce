package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.host.KernelBackend;

/**
 * The input check of the cpu backend's FP32 attention: the largest |x| of a head's Q, K or V, which decides
 * whether the head can take the FP32 path. (The rowwise passes check their input in their own first pass,
 * {@link VectorPasses#range}.)
 */
final class VectorScan {
    private VectorScan() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * max |x| over count FP32 values at byte offset off (NaN if one is NaN, +inf if one is infinite): the
     * vector max and Math.max both return NaN when either operand is NaN.
     */
    static double maxAbs(MemorySegment seg, long off, int count) {
        int bound = FS.loopBound(count);
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < bound; i += FS.length()) {
            acc = acc.max(FloatVector.fromMemorySegment(FS, seg, off + 4L * i, ByteOrder.LITTLE_ENDIAN).abs());
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (int i = bound; i < count; i++) {
            m = Math.max(m, Math.abs(seg.get(KernelBackend.FLOAT, off + 4L * i)));
        }
        return m;
    }
}
