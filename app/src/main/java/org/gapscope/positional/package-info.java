/**
 * Position in attention (P2 Lemmas 2 and 3): {@link org.gapscope.positional.PositionalAttenuation} (frequency
 * grids, the bound 2/(Omega Delta), the envelope and the revivals of f(Delta) = (1/m) sum_k cos(omega_k Delta),
 * which the backends compute) and {@link org.gapscope.positional.Undertraining} (how often training shows
 * each distance Delta).
 */
package org.gapscope.positional;
