package org.gapscope.bench;

import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/** logSumExp over B x V float32 rows. Work: B*V exps, B*V*4 bytes read. */
public class LseBench extends OpBench {
    @Param({"64"})
    public int batch;

    @Param({"4096", "32768", "262144"})
    public int vocab;

    Tensor x;

    @Override
    void prepare() {
        x = gaussian(3.0, 1, batch, vocab);
    }

    @Benchmark
    public double[] logSumExp() {
        return b.logSumExp(x, 1.0);
    }
}
