package org.gapscope.api;

import org.gapscope.kernels.SweepGap;

/**
 * The logit laws of a sweep point ({@code sweep gap}, {@link Backend#sweepGap}); definitions in
 * {@link SweepLogits}. Distinct from {@link Law}, the distractor laws of the crowding simulation.
 */
public enum SweepLaw {
    gaussian(SweepGap.GAUSSIAN), identical(SweepGap.IDENTICAL), correlated(SweepGap.CORRELATED),
    agree(SweepGap.AGREE), disagree(SweepGap.DISAGREE);

    /** The law's code in the kernel bodies. */
    public final int code;

    SweepLaw(int code) {
        this.code = code;
    }

    /** Whether the margin a applies. */
    public boolean usesMargin() {
        return this == agree || this == disagree;
    }

    /** Whether the correlation rho applies. */
    public boolean usesRho() {
        return this == correlated;
    }
}
