package org.gapscope.bench;

import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * softmax and log-softmax over B x V float32 rows: into a new F64 result per call ({@code softmax}), and
 * into a reused float32 output ({@code softmaxInto}, {@code logSoftmaxInto}: B*V*(4 + 4) bytes moved).
 */
public class SoftmaxBench extends OpBench {
    @Param({"64"})
    public int batch;

    @Param({"32768", "262144"})
    public int vocab;

    Tensor x;
    Tensor out;

    @Override
    void prepare() {
        x = gaussian(3.0, 2, batch, vocab);
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
