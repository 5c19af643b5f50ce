package org.gapscope.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The transcendental functions of the cpu backend's vector passes, in one place. Every pass calls
 * these instead of {@code lanewise(EXP | LOG | COS | SIN)}, so that how they are computed (and
 * whether the result depends on the JIT's state) is decided here once.
 */
final class VectorMath {
    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        return x.lanewise(VectorOperators.EXP);
    }

    static DoubleVector exp(DoubleVector x) {
        return x.lanewise(VectorOperators.EXP);
    }

    static DoubleVector log(DoubleVector x) {
        return x.lanewise(VectorOperators.LOG);
    }

    static DoubleVector cos(DoubleVector x) {
        return x.lanewise(VectorOperators.COS);
    }

    static DoubleVector sin(DoubleVector x) {
        return x.lanewise(VectorOperators.SIN);
    }
}
