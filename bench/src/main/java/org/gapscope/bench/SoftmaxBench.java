package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.api.RandomTensors;
import org.openjdk.jmh.annotations.Benchmark;
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
 * softmax and log-softmax over B x V float32 rows: into a new F64 result per call ({@code softmax}), and
 * into a reused float32 output ({@code softmaxInto}, {@code logSoftmaxInto}: B*V*(4 + 4) bytes moved).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SoftmaxBench {
    @Param({"cpu"})
    public String backend;

    @Param({"64"})
    public int batch;

    @Param({"32768", "262144"})
    public int vocab;

    Backend b;
    Tensor x;
    Tensor out;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        x = RandomTensors.gaussian(DType.F32, 3.0, 2, batch, vocab);
        out = Tensor.zeros(DType.F32, batch, vocab);
    }

    @Benchmark
    public Tensor softmax() {
        return b.softmax(x, 1.0);
    }

    @Benchmark
    public Tensor softmaxInto() {
        return b.softmax(x, 1.0, out);
    }

    @Benchmark
    public Tensor logSoftmaxInto() {
        return b.logSoftmax(x, 1.0, out);
    }
}
