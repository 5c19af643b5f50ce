package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.DType;
import org.gapscope.api.GapResult;
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

/** The fused Jensen-gap pass over B x H x V float32 logits. Work: B*(H+2)*V exps, B*H*V*4 bytes read. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class JensenGapBench {
    @Param({"cpu"})
    public String backend;

    @Param({"2"})
    public int batch;

    @Param({"8", "32", "128"})
    public int heads;

    @Param({"32768", "262144"})
    public int vocab;

    Backend b;
    Tensor x;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        x = RandomTensors.gaussian(DType.F32, 2.0, 3, batch, heads, vocab);
    }

    @Benchmark
    public GapResult jensenGap() {
        return b.jensenGap(x, null, null);
    }
}
