package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.host.KernelBackend;

/**
 * The input check of the cpu backend's FP32 passes: whether a chunk holds a value the pass cannot take
 * (NaN, ±inf, or an x whose x * scale overflows FP32). Run on a chunk just before its pass, it brings the
 * chunk into the L1 cache that the pass then reads, so it costs arithmetic, not memory traffic.
 */
final class VectorScan {
    private VectorScan() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * Whether x * scale (FP32) is finite for all count FP32 values at byte offset off: (x * scale) * 0 is
     * ±0 for a finite product and NaN otherwise, so the sum of those is 0 exactly when all are finite.
     */
    static boolean scaledFinite(MemorySegment seg, long off, int count, float scale) {
        int bound = FS.loopBound(count);
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < bound; i += FS.length()) {
            acc = acc.add(FloatVector.fromMemorySegment(FS, seg, off + 4L * i, ByteOrder.LITTLE_ENDIAN).mul(scale).mul(0f));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = bound; i < count; i++) {
            s += seg.get(KernelBackend.FLOAT, off + 4L * i) * scale * 0f;
        }
        return s == 0f;
    }

    /** max |x| over count FP32 values at byte offset off (NaN if one is NaN, +inf if one is infinite). */
    static double maxAbs(MemorySegment seg, long off, int count) {
        int bound = FS.loopBound(count);
        FloatVector acc = FloatVector.zero(FS);
        boolean nan = false;
        for (int i = 0; i < bound; i += FS.length()) {
            FloatVector x = FloatVector.fromMemorySegment(FS, seg, off + 4L * i, ByteOrder.LITTLE_ENDIAN);
            nan |= x.test(VectorOperators.IS_NAN).anyTrue();
            acc = acc.max(x.abs());
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (int i = bound; i < count; i++) {
            float x = seg.get(KernelBackend.FLOAT, off + 4L * i);
            nan |= Float.isNaN(x);
            m = Math.max(m, Math.abs(x));
        }
        return nan ? Double.NaN : m;
    }
}
