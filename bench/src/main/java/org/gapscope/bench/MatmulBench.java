package org.gapscope.bench;

import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The matrix product of {@code model gap}, float32, into a preallocated output (no fresh allocation
 * per call). Default shape: one vocabulary block of GPT-2 small's per-head unembedding at 64 positions,
 * M = 64 * (144 + 2) rows, K = 768, N = 1024 columns of W_U (transposeB). Work: 2 M K N flops.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class MatmulBench extends OpBench {
    @Param({"9344"})
    public int m;

    @Param({"768"})
    public int k;

    @Param({"1024"})
    public int n;

    @Param({"true"})
    public boolean transposeB;

    Tensor a;
    Tensor w;
    Tensor out;

    @Override
    void prepare() {
        a = gaussian(1.0, 1, m, k);
        w = transposeB ? gaussian(1.0, 2, n, k) : gaussian(1.0, 2, k, n);
        out = Tensor.zeros(b.matmulType(), m, n);
    }

    @Benchmark
    public Tensor matmul() {
        return b.matmul(a, w, transposeB, out);
    }
}
