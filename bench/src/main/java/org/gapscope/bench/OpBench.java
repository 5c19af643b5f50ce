package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.DType;
import org.gapscope.api.RandomTensors;
import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every benchmark of an op shares: one state per benchmark, the average time of a call in
 * milliseconds, one fork with the Vector API module, and the backend by its registered name
 * ({@code -p backend=tornado}), selected before the op builds its inputs ({@link #prepare}). A subclass
 * declares its op's own parameters and benchmark methods, and restates a setting only where its op
 * needs another (JMH takes the annotation nearest to the benchmark class).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public abstract class OpBench {
    @Param({"cpu"})
    public String backend;

    Backend b;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        prepare();
    }

    /** Builds the op's inputs; {@code b} is selected. */
    abstract void prepare();

    /** F32 Gaussian data of standard deviation sigma, drawn from Philox stream {@code salt}. */
    static Tensor gaussian(double sigma, long salt, long... shape) {
        return RandomTensors.gaussian(DType.F32, sigma, salt, shape);
    }
}
