package org.gapscope.api;

/**
 * Least-squares attribution of the aggregate distribution to heads (docs/MATH.md section 5):
 * alpha = P^+ Pi, projection = P alpha, residual d = Pi - P alpha = (I - P P^+) Pi, and ||d||_2.
 */
public record Attribution(double[] alpha, double[] projection, double[] residual, double residualNorm) {}
