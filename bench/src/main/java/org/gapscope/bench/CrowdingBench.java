package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
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

/** One crowding repetition of N scores (N - 1 Philox draws, transforms and exps). Work: N - 1 samples. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CrowdingBench {
    @Param({"cpu"})
    public String backend;

    @Param({"1000000", "10000000", "100000000"})
    public long n;

    @Param({"gaussian", "gumbel"})
    public String law;

    Backend b;
    CrowdingSpec spec;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        Law l = law.equals("gumbel") ? Law.gumbel(0, 0.5) : Law.gaussian(0, 1);
        spec = new CrowdingSpec(n, 3.0, l, 1, 7);
    }

    @Benchmark
    public CrowdingResult crowding() {
        return b.crowding(spec);
    }
}
