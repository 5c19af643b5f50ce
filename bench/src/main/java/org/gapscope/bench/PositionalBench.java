package org.gapscope.bench;

import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
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

/** Positional sums f(Delta) for m RoPE frequencies and D offsets. Work: m*D cosines. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PositionalBench {
    @Param({"cpu"})
    public String backend;

    @Param({"64"})
    public int m;

    @Param({"65536"})
    public int deltas;

    Backend b;
    double[] omegas;
    double[] d;

    @Setup
    public void setup() {
        b = Backends.select(backend);
        omegas = new double[m];
        for (int k = 0; k < m; k++) {
            omegas[k] = Math.pow(10000.0, -(double) k / m);
        }
        d = new double[deltas];
        for (int i = 0; i < deltas; i++) {
            d[i] = i;
        }
    }

    @Benchmark
    public double[] positional() {
        return b.positional(omegas, d);
    }
}
