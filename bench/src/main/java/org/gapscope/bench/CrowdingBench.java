package org.gapscope.bench;

import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/** One crowding repetition of N scores (N - 1 Philox draws, transforms and exps). Work: N - 1 samples. */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CrowdingBench extends OpBench {
    @Param({"1000000", "10000000", "100000000"})
    public long n;

    @Param({"gaussian", "gumbel"})
    public String law;

    CrowdingSpec spec;

    @Override
    void prepare() {
        Law l = law.equals("gumbel") ? Law.gumbel(0, 0.5) : Law.gaussian(0, 1);
        spec = new CrowdingSpec(n, 3.0, l, 1, 7);
    }

    @Benchmark
    public CrowdingResult crowding() {
        return b.crowding(spec);
    }
}
