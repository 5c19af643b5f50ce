package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's chunks have fixed lengths and are merged in chunk order, so results must be
 * bit-identical whatever the number of threads (a one-thread pool against the common pool) and from
 * run to run.
 */
class CpuDeterminismTest {
    final CpuBackend cpu = new CpuBackend();

    static <T> T onOneThread(Supplier<T> work) throws Exception {
        ForkJoinPool one = new ForkJoinPool(1);
        try {
            return one.submit(work::get).get();
        } finally {
            one.shutdown();
        }
    }

    @Test
    void crowdingIsIdenticalOnAnyNumberOfThreads() throws Exception {
        CrowdingSpec spec = new CrowdingSpec(1_000_001, 2.5, Law.gaussian(0, 1), 3, 9L);
        double[] many = cpu.crowding(spec).logSumDistractors();
        double[] again = cpu.crowding(spec).logSumDistractors();
        double[] one = onOneThread(() -> cpu.crowding(spec).logSumDistractors());
        assertArrayEquals(many, again, 0.0);
        assertArrayEquals(many, one, 0.0);
    }

    @Test
    void logSumExpAndGapAreIdenticalOnAnyNumberOfThreads() throws Exception {
        double[] data = EquivalenceTest.gaussian(4 * 3 * 50_000, 2.0, 5);
        Tensor x = EquivalenceTest.tensor(org.gapscope.api.DType.F32, data, 12, 50_000);
        Tensor g = x.reshape(4, 3, 50_000);
        double[] many = cpu.logSumExp(x, 1.0);
        double[] one = onOneThread(() -> cpu.logSumExp(x, 1.0));
        assertArrayEquals(many, one, 0.0);
        double[] gMany = cpu.jensenGap(g, null, null).gamma();
        double[] gOne = onOneThread(() -> cpu.jensenGap(g, null, null).gamma());
        assertArrayEquals(gMany, gOne, 0.0);
    }
}
