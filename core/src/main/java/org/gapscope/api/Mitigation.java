package org.gapscope.api;

/**
 * How the crowding simulation transforms scores before the softmax (docs/MATH.md section 7).
 * <ul>
 *   <li>{@link Kind#NONE}: plain softmax.</li>
 *   <li>{@link Kind#SCALABLE}: scalable softmax, every score multiplied by {@code value * ln N}.</li>
 *   <li>{@link Kind#TOP_K}: only the {@code (int) value} largest scores among all N enter the softmax
 *       (the relevant one included if it is among them, else P_N = 0).</li>
 *   <li>{@link Kind#TEMPERATURE}: every score divided by {@code value}.</li>
 * </ul>
 */
public record Mitigation(Kind kind, double value) implements java.io.Serializable {
    public enum Kind { NONE, SCALABLE, TOP_K, TEMPERATURE }

    public static final Mitigation NONE = new Mitigation(Kind.NONE, 0);

    public Mitigation {
        if (kind != Kind.NONE && !(value > 0 && Double.isFinite(value))) {
            throw new InputException("mitigation " + kind.name().toLowerCase() + ": value must be > 0, got " + value);
        }
        if (kind == Kind.TOP_K && value != Math.rint(value)) {
            throw new InputException("mitigation top_k: k must be a whole number, got " + value);
        }
    }

    /** The factor scores are multiplied by, for the multiplicative mitigations (1 otherwise). */
    public double scoreScale(long n) {
        return switch (kind) {
            case SCALABLE -> value * Math.log(n);
            case TEMPERATURE -> 1.0 / value;
            default -> 1.0;
        };
    }
}
