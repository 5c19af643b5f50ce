package org.gapscope.api;

/**
 * Output of attention: {@code out} has shape [..., Tq, dv] and {@code lse} shape [..., Tq], the
 * log-sum-exp of each query's scaled, masked scores (as FlashAttention returns it).
 */
public record AttentionResult(Tensor out, Tensor lse) {}
