package org.gapscope.bench;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Causal attention over H heads of T x d float32 q, k, v. Work per head: T(T+1)/2 exps and 4 d T(T+1)/2
 * flops, 3*T*d*4 bytes read. The full grid is large (T = 8192, 32 heads takes minutes per call on a small
 * machine): pick points with -p, e.g. {@code -p seq=4096 -p headDim=128 -p heads=8}.
 */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AttentionBench extends OpBench {
    @Param({"8", "16", "32"})
    public int heads;

    @Param({"1024", "4096", "8192"})
    public int seq;

    @Param({"64", "128"})
    public int headDim;

    Tensor q;
    Tensor k;
    Tensor v;

    @Override
    void prepare() {
        q = gaussian(1.0, 4, heads, seq, headDim);
        k = gaussian(1.0, 5, heads, seq, headDim);
        v = gaussian(1.0, 6, heads, seq, headDim);
    }

    @Benchmark
    public AttentionResult attention() {
        return b.attention(q, k, v, 1.0 / Math.sqrt(headDim), MaskAlignment.TOP_LEFT);
    }
}
