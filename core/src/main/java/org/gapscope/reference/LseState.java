package org.gapscope.reference;

/**
 * The online log-sum-exp state (m, d) of docs/MATH.md section 1: m is the running maximum, d the sum of
 * e^{x - m}; LSE = m + log d. Adding one value and merging two states follow the same rule, which is
 * how chunked and multi-work-group kernels combine partial results. The empty state is (-inf, 0).
 * FP64 reference version; ±inf/NaN follow the LSE conventions (NaN wins, then +inf).
 */
public record LseState(double m, double d) {
    public static final LseState EMPTY = new LseState(Double.NEGATIVE_INFINITY, 0);

    public LseState add(double x) {
        return merge(new LseState(x, 1));
    }

    public LseState merge(LseState o) {
        if (Double.isNaN(m) || Double.isNaN(o.m)) {
            return new LseState(Double.NaN, Double.NaN);
        }
        if (m == Double.POSITIVE_INFINITY || o.m == Double.POSITIVE_INFINITY) {
            return new LseState(Double.POSITIVE_INFINITY, 1);
        }
        if (o.m == Double.NEGATIVE_INFINITY) {
            return this;
        }
        if (m == Double.NEGATIVE_INFINITY) {
            return o;
        }
        double mm = Math.max(m, o.m);
        return new LseState(mm, d * Math.exp(m - mm) + o.d * Math.exp(o.m - mm));
    }

    public double lse() {
        if (Double.isNaN(m) || m == Double.POSITIVE_INFINITY || m == Double.NEGATIVE_INFINITY) {
            return m;
        }
        return m + Math.log(d);
    }
}
