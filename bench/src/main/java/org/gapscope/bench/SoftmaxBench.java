package org.gapscope.bench;

import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/** softmax over B x V float32 rows (F64 output). Work: 2*B*V exps, B*V*(4 + 8) bytes moved. */
public class SoftmaxBench extends OpBench {
    @Param({"64"})
    public int batch;

    @Param({"32768", "262144"})
    public int vocab;

    Tensor x;

    @Override
    void prepare() {
        x = gaussian(3.0, 2, batch, vocab);
    }

    @Benchmark
    public Tensor softmax() {
        return b.softmax(x, 1.0);
    }
}
