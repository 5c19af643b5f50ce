package org.gapscope.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import org.gapscope.kernels.Laws;

/** Reproducible random tensors (Philox, keyed by a salt) for benchmarks and tests. */
public final class RandomTensors {
    private RandomTensors() {}

    /**
     * An off-heap tensor of N(0, sigma^2) values drawn with Philox (seeded), filled in parallel; the
     * JMH benchmarks use it too.
     */
    public static Tensor gaussian(DType dt, double sigma, long salt, long... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        long size = t.size();
        MemorySegment seg = t.segment();
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int blocks = (int) ((size + 65535) / 65536);
        IntStream.range(0, blocks).parallel().forEach(blk -> {
            int[] scratch = new int[4];
            long to = Math.min(size, (blk + 1L) * 65536);
            for (long i = blk * 65536L; i < to; i++) {
                double x = Laws.draw(i, 1000, salt, Laws.GAUSSIAN, 0, sigma, 0, scratch, 0);
                if (dt == DType.F32) {
                    seg.setAtIndex(f, i, (float) x);
                } else {
                    seg.setAtIndex(d, i, x);
                }
            }
        });
        return t;
    }
}
