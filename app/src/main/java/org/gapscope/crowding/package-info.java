/**
 * Softmax crowding (P2 Lemma 4 and Corollary 1): {@link org.gapscope.crowding.CrowdingSimulation} (the
 * Monte Carlo of P_N on a backend, in batches of repetitions), {@link org.gapscope.crowding.Stats} (its
 * per-repetition statistics), {@link org.gapscope.crowding.MeanField} (the closed forms) and
 * {@link org.gapscope.crowding.MarginSolver} (the margin s*(N, p) from common random numbers).
 */
package org.gapscope.crowding;
