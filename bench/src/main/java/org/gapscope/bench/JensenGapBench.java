package org.gapscope.bench;

import org.gapscope.api.GapResult;
import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/** The fused Jensen-gap pass over B x H x V float32 logits. Work: B*(H+2)*V exps, B*H*V*4 bytes read. */
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class JensenGapBench extends OpBench {
    @Param({"2"})
    public int batch;

    @Param({"8", "32", "128"})
    public int heads;

    @Param({"32768", "262144"})
    public int vocab;

    Tensor x;

    @Override
    void prepare() {
        x = gaussian(2.0, 3, batch, heads, vocab);
    }

    @Benchmark
    public GapResult jensenGap() {
        return b.jensenGap(x, null, null);
    }
}
