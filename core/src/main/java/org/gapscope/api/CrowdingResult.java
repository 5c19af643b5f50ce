package org.gapscope.api;

/**
 * Per repetition r: {@code p[r]} = P_N, the softmax weight of the relevant score, and
 * {@code logSumDistractors[r]} = ln sum_k e^{X_k} over the (transformed) distractors that entered the
 * softmax (-inf when none did).
 */
public record CrowdingResult(CrowdingSpec spec, double[] p, double[] logSumDistractors) {}
