package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.DType;
import org.gapscope.api.MaskAlignment;
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
 * Causal attention over H heads of T x d float32 q, k, v. Work per head: T(T+1)/2 exps and 4 d T(T+1)/2
 * flops, 3*T*d*4 bytes read. The full grid is large (T = 8192, 32 heads takes minutes per call on a small
 * machine): pick points with -p, e.g. {@code -p seq=4096 -p headDim=128 -p heads=8}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBench {
    @Param({"cpu"})
    public String backend;

    @Param({"8", "16", "32"})
    public int heads;

    @Param({"1024", "4096", "8192"})
    public int seq;

    @Param({"64", "128"})
    public int headDim;

    Backend b;
    Tensor q;
    Tensor k;
    Tensor v;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        q = RandomTensors.gaussian(DType.F32, 1.0, 4, heads, seq, headDim);
        k = RandomTensors.gaussian(DType.F32, 1.0, 5, heads, seq, headDim);
        v = RandomTensors.gaussian(DType.F32, 1.0, 6, heads, seq, headDim);
    }

    @Benchmark
    public AttentionResult attention() {
        return b.attention(q, k, v, 1.0 / Math.sqrt(headDim), MaskAlignment.TOP_LEFT);
    }
}
