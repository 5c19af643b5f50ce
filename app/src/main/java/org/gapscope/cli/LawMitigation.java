package org.gapscope.cli;

import java.io.Serializable;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;

/**
 * A crowding/margin point's distractor law and mitigation as plain values, so that a {@code --spark} task
 * can carry them to an executor and rebuild the same {@link Law} and {@link Mitigation} there.
 */
record LawMitigation(Law.Kind kind, double a, double b, double c, Mitigation.Kind mitigation, double value)
        implements Serializable {

    static LawMitigation of(Law law, Mitigation m) {
        return new LawMitigation(law.kind(), law.a(), law.b(), law.c(), m.kind(), m.value());
    }

    Law law() {
        return new Law(kind, a, b, c);
    }

    Mitigation mitigationValue() {
        return new Mitigation(mitigation, value);
    }

    /** The lookup key of a grid point: its distribution and mitigation labels. */
    static String key(java.util.Map<String, ?> point) {
        return point.get("distribution") + "\u0000" + point.get("mitigation");
    }
}
