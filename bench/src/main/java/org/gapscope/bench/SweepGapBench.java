package org.gapscope.bench;

import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fused sweep op: one sweep point, B x H x V logits drawn inside the op (once on cpu up to
 * CpuBackend.SWEEP_PAIR_HEADS heads, whose first pass keeps the heads' pair states for the Brier score;
 * twice elsewhere: the Brier score's second pass) and reduced to the Jensen gap and the Theorem 4 gaps.
 * logits/s = B H V / time.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class SweepGapBench extends OpBench {
    @Param({"gaussian", "correlated"})
    public String law;

    @Param({"4"})
    public int batch;

    @Param({"32"})
    public int heads;

    @Param({"262144"})
    public int vocab;

    SweepSpec spec;

    @Override
    void prepare() {
        SweepLaw l = SweepLaw.valueOf(law);
        spec = new SweepSpec(l, heads, vocab, batch, 1.0, l.usesMargin() ? 4.0 : 0, l.usesRho() ? 0.5 : 0, 1.0, 1);
    }

    @Benchmark
    public SweepResult sweepGap() {
        return b.sweepGap(spec);
    }
}
