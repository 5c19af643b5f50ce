package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.DType;
import org.gapscope.api.RandomTensors;
import org.gapscope.api.Tensor;
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
 * The matrix product of {@code model gap}, float32, into a preallocated output (no fresh allocation
 * per call). Default shape: one vocabulary block of GPT-2 small's per-head unembedding at 64 positions,
 * M = 64 * (144 + 2) rows, K = 768, N = 1024 columns of W_U (transposeB). Work: 2 M K N flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class MatmulBench {
    @Param({"cpu"})
    public String backend;

    @Param({"9344"})
    public int m;

    @Param({"768"})
    public int k;

    @Param({"1024"})
    public int n;

    @Param({"true"})
    public boolean transposeB;

    Backend b;
    Tensor a;
    Tensor w;
    Tensor out;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        a = RandomTensors.gaussian(DType.F32, 1.0, 1, m, k);
        w = transposeB ? RandomTensors.gaussian(DType.F32, 1.0, 2, n, k) : RandomTensors.gaussian(DType.F32, 1.0, 2, k, n);
        out = Tensor.zeros(b.matmulType(), m, n);
    }

    @Benchmark
    public Tensor matmul() {
        return b.matmul(a, w, transposeB, out);
    }
}
