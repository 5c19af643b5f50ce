package org.gapscope.bench;

import org.gapscope.api.AttentionResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/** Causal attention, one head of T x d float32 q, k, v. Work: T(T+1)/2 exps, 3*T*d*4 bytes read. */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AttentionBench extends OpBench {
    @Param({"1"})
    public int heads;

    @Param({"512", "1024", "4096"})
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
