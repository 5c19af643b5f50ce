package org.gapscope.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/** Positional sums f(Delta) for m RoPE frequencies and D offsets. Work: m*D cosines. */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PositionalBench extends OpBench {
    @Param({"64"})
    public int m;

    @Param({"65536"})
    public int deltas;

    double[] omegas;
    double[] d;

    @Override
    void prepare() {
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
