package org.gapscope.cpu;

import static jdk.incubator.vector.VectorOperators.FMA;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The transcendental functions of the cpu backend's vector passes, written with IEEE-exact vector
 * operations only (add, sub, mul, fma, div, compare, blend, min, max, integer and bit operations on
 * reinterpreted lanes), so that the interpreter, C1 and C2 give the same bits.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP | LOG | COS | SIN)}: those are computed per lane with
 * {@code java.lang.Math} when the code is interpreted or compiled by C1, and with the vector math
 * library (SVML) once C2 compiles the loop. The two round differently, so a result depended on how warm
 * the JIT was. Every step here is either exact or a single IEEE rounding of the same operands in every
 * mode; no float-to-integer conversion is used (integers come from the low bits of {@code x + 1.5 2^52},
 * the "round by adding a large constant" trick, which rounds to nearest even exactly in every mode).
 *
 * <p>Accuracy, measured against {@code java.lang.Math} by {@code VectorMathTest} (which asserts these
 * bounds over 2^20 arguments per function and range; the measured maxima equal the bounds):
 * <ul>
 *   <li>{@link #exp(DoubleVector)}: &le; 1 ulp for results &ge; 2^-1022; subnormal results are one
 *       rounding of the same value (&le; 1 ulp of the smallest subnormal); x &lt; -750 gives 0, x &gt; 710
 *       gives +inf, NaN gives NaN.</li>
 *   <li>{@link #exp(FloatVector)}: &le; 1 ulp (FP32) for results &ge; 2^-126, same flushing rules (x &lt;
 *       -104 gives 0, x &gt; 89 gives +inf).</li>
 *   <li>{@link #expNonPositive}: the same for x &le; 0 and results &ge; 2^-126; results below 2^-126 are 0.</li>
 *   <li>{@link #log(DoubleVector)}: &le; 1 ulp for every positive argument (subnormals included); log 0 =
 *       -inf, log of a negative number or NaN = NaN, log +inf = +inf.</li>
 *   <li>{@link #cosTurns}, {@link #sinTurns}: cos(2 pi u) and sin(2 pi u) within 2 ulp (or 2^-59 absolute
 *       near the zeros) of Math.cos/Math.sin of 2 pi u held as a double-double (that reference is itself
 *       within ~1 ulp); the quadrant is found from 4u exactly, so there is no range reduction error for
 *       |u| &lt; 2^49.</li>
 * </ul>
 *
 * <p>The polynomials are near-minimax (Chebyshev) fits on the reduced ranges, of degrees chosen so that
 * the fit error is below 1/6 ulp; the rest of the error budget is the final one or two roundings.
 */
final class VectorMath {
    private VectorMath() {}

    // ---- exp -----------------------------------------------------------------------------------

    /** 1.5 * 2^52: adding it to |y| &lt; 2^51 rounds y to an integer held in the low bits. */
    private static final double SHIFT = 0x1.8p52;
    private static final long SHIFT_BITS = Double.doubleToRawLongBits(SHIFT);
    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 0.6931471805599453;
    private static final double LN2_LO = 2.3190468138462996e-17;
    /** exp(r) = 1 + r + r^2 Q(r) on |r| &le; 0.35, fit error 1.2e-16 on Q (1.4e-17 on exp). */
    private static final double E9 = 2.5101335854788522e-08;
    private static final double E8 = 2.7621324269313687e-07;
    private static final double E7 = 2.7557266442353424e-06;
    private static final double E6 = 2.4801518672268355e-05;
    private static final double E5 = 0.00019841269864364933;
    private static final double E4 = 0.0013888888918918907;
    private static final double E3 = 0.008333333333329796;
    private static final double E2 = 0.04166666666662068;
    private static final double E1 = 0.16666666666666669;
    private static final double E0 = 0.5000000000000001;

    /**
     * e^x per lane. x is clamped to [-750, 710] (so k below stays small; outside that range the result
     * is 0 or +inf anyway), k = round(x / ln 2), r = x - k ln 2 (two fma steps), e^r by the polynomial,
     * then 2^k applied as two exact power-of-two factors 2^(k/2) 2^(k - k/2), so that results that
     * overflow or are subnormal round once, correctly.
     */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector xc = x.max(-750.0).min(710.0); // NaN stays NaN (Math.max/min semantics)
        DoubleVector t = xc.lanewise(FMA, LOG2E, SHIFT);
        DoubleVector k = t.sub(SHIFT);
        DoubleVector r = k.lanewise(FMA, -LN2_HI, xc);
        r = k.lanewise(FMA, -LN2_LO, r);
        DoubleVector q = r.lanewise(FMA, E9, E8);
        q = q.lanewise(FMA, r, E7);
        q = q.lanewise(FMA, r, E6);
        q = q.lanewise(FMA, r, E5);
        q = q.lanewise(FMA, r, E4);
        q = q.lanewise(FMA, r, E3);
        q = q.lanewise(FMA, r, E2);
        q = q.lanewise(FMA, r, E1);
        q = q.lanewise(FMA, r, E0);
        DoubleVector e = q.lanewise(FMA, r, 1.0).lanewise(FMA, r, 1.0); // 1 + r (1 + r Q) = 1 + r + r^2 Q
        LongVector ki = t.reinterpretAsLongs().sub(SHIFT_BITS);
        LongVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        LongVector k2 = ki.sub(k1);
        DoubleVector s1 = k1.add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector s2 = k2.add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        return e.mul(s1).mul(s2);
    }

    private static final float SHIFT_F = 0x1.8p23f;
    private static final int SHIFT_F_BITS = Float.floatToRawIntBits(SHIFT_F);
    private static final float LOG2E_F = 1.44269502f;
    private static final float LN2_HI_F = 0.6931471824645996f;
    private static final float LN2_LO_F = -1.9046542121259336e-09f;
    /** exp(r) = 1 + r + r^2 Q(r) on |r| &le; 0.35, fit error 6.8e-8 on Q (8.4e-9 on exp, 0.14 ulp). */
    private static final float F4 = 0.001392691805594798f;
    private static final float F3 = 0.008363767023287037f;
    private static final float F2 = 0.0416665501627203f;
    private static final float F1 = 0.1666657342385974f;
    private static final float F0 = 0.5f;

    /** e^x per FP32 lane, as {@link #exp(DoubleVector)} with FP32 constants (x clamped to [-104, 89]). */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104.0f).min(89.0f);
        FloatVector t = xc.lanewise(FMA, LOG2E_F, SHIFT_F);
        FloatVector e = expReduced(xc, t.sub(SHIFT_F));
        IntVector ki = t.reinterpretAsInts().sub(SHIFT_F_BITS);
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return e.mul(s1).mul(s2);
    }

    /** e^r of r = x - k ln 2 (two fma steps) by the FP32 polynomial: e^x / 2^k. */
    private static FloatVector expReduced(FloatVector x, FloatVector k) {
        FloatVector r = k.lanewise(FMA, -LN2_HI_F, x);
        r = k.lanewise(FMA, -LN2_LO_F, r);
        FloatVector q = r.lanewise(FMA, F4, F3);
        q = q.lanewise(FMA, r, F2);
        q = q.lanewise(FMA, r, F1);
        q = q.lanewise(FMA, r, F0);
        return q.lanewise(FMA, r, 1.0f).lanewise(FMA, r, 1.0f);
    }

    /** The least float x with e^x &ge; 2^-126 (FP32's normal range): {@link #expNonPositive} gives 0 below it. */
    static final float EXP_FLUSH_F = -87.33654f;

    /**
     * e^x per FP32 lane for x &le; 0, the shifted arguments x - max of every exp-sum: as {@link
     * #exp(FloatVector)} (&le; 1 ulp) for results &ge; 2^-126, but results below that are flushed to 0
     * (x &lt; {@link #EXP_FLUSH_F}), so 2^k is one exact factor and the clamps are one compare and two
     * blends: about a third fewer operations. NaN gives NaN; x &gt; 88 is outside its domain. A sum of
     * such terms whose largest is 1 loses at most 2^-126 per flushed term, far below its FP32 rounding.
     */
    static FloatVector expNonPositive(FloatVector x) {
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_FLUSH_F); // false for NaN
        FloatVector xc = x.blend(EXP_FLUSH_F, under);
        FloatVector t = xc.lanewise(FMA, LOG2E_F, SHIFT_F);
        FloatVector e = expReduced(xc, t.sub(SHIFT_F));
        // 2^k with k in [-126, 0]: (k + 127) << 23, and k is the low bits of t, so the bits of t shifted
        // left by 23 plus a constant
        FloatVector s = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                .add((127 - SHIFT_F_BITS) << 23).reinterpretAsFloats();
        return e.mul(s).blend(0f, under);
    }

    // ---- log -----------------------------------------------------------------------------------

    /** Bits of 1/sqrt(2) (rounded): x = y 2^k with y in [1/sqrt 2, sqrt 2). */
    private static final long SQRT_HALF_BITS = 0x3fe6a09e667f3bcdL;
    private static final long MANTISSA = 0x000fffffffffffffL;
    /** ln 2 split so that k * LN2_HI42 is exact for |k| &lt; 2^11. */
    private static final double LN2_HI42 = 0.693147180559663;
    private static final double LN2_LO42 = 2.8235290563031577e-13;
    /**
     * 2 atanh(s) = 2s + s z G(z), z = s^2 &le; 0.0295; fit error 3.1e-16 on G (1.6e-18 on the log).
     */
    private static final double G6 = 0.14616721179861816;
    private static final double G5 = 0.15331699633543858;
    private static final double G4 = 0.18182889786191042;
    private static final double G3 = 0.2222221112572281;
    private static final double G2 = 0.28571428626031065;
    private static final double G1 = 0.3999999999989938;
    private static final double G0 = 0.666666666666667;

    /**
     * Natural logarithm per lane. x = y 2^k with y in [1/sqrt 2, sqrt 2) (integer arithmetic on the bits),
     * f = y - 1 (exact), s = f / (2 + f), log y = 2 atanh(s) = f - s (f - R) with R = z G(z), and
     * log x = k ln2_hi + (log y + k ln2_lo). Non-normal arguments (0, negative, subnormal, inf, NaN) take a
     * slower path for the whole vector.
     */
    static DoubleVector log(DoubleVector x) {
        VectorMask<Double> normal = x.compare(VectorOperators.GE, Double.MIN_NORMAL)
                .and(x.compare(VectorOperators.LE, Double.MAX_VALUE));
        if (normal.allTrue()) {
            return logNormal(x, null);
        }
        // subnormals: scale by 2^54 first (exact) and take 54 off the exponent; other lanes get 1 and are
        // replaced below
        VectorMask<Double> sub = x.compare(VectorOperators.GT, 0.0).and(x.compare(VectorOperators.LT, Double.MIN_NORMAL));
        DoubleVector xs = x.blend(1.0, normal.not()).blend(x.mul(0x1p54), sub);
        DoubleVector y = logNormal(xs, DoubleVector.zero(x.species()).blend(54.0, sub));
        y = y.blend(Double.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0.0));
        y = y.blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        y = y.blend(Double.NaN, x.compare(VectorOperators.LT, 0.0).or(x.test(VectorOperators.IS_NAN)));
        return y;
    }

    /** log of positive normal lanes, their exponent lowered by kOff (null: by 0). */
    private static DoubleVector logNormal(DoubleVector x, DoubleVector kOff) {
        LongVector ix = x.reinterpretAsLongs().sub(SQRT_HALF_BITS);
        LongVector ki = ix.lanewise(VectorOperators.ASHR, 52);
        DoubleVector y = ix.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsDoubles();
        // k as a double without a conversion instruction: |k| < 1100, so k + 1.5 2^52 is exact
        DoubleVector k = ki.add(SHIFT_BITS).reinterpretAsDoubles().sub(SHIFT);
        if (kOff != null) {
            k = k.sub(kOff);
        }
        DoubleVector f = y.sub(1.0);
        DoubleVector s = f.div(f.add(2.0));
        DoubleVector z = s.mul(s);
        DoubleVector g = z.lanewise(FMA, G6, G5);
        g = g.lanewise(FMA, z, G4);
        g = g.lanewise(FMA, z, G3);
        g = g.lanewise(FMA, z, G2);
        g = g.lanewise(FMA, z, G1);
        g = g.lanewise(FMA, z, G0);
        DoubleVector rr = g.mul(z);
        DoubleVector logY = s.neg().lanewise(FMA, f.sub(rr), f);
        DoubleVector lo = k.lanewise(FMA, LN2_LO42, logY);
        return k.lanewise(FMA, LN2_HI42, lo);
    }

    // ---- cos and sin of whole turns --------------------------------------------------------------

    private static final double PIO2_HI = 1.5707963267948966;
    private static final double PIO2_LO = 6.123233995736766e-17;
    /** sin r = r + r z S(z), z = r^2 &le; (pi/4)^2; fit error 2.1e-17 on S (1e-17 on sin). */
    private static final double S5 = 1.591810123027412e-10;
    private static final double S4 = -2.5051131455427946e-08;
    private static final double S3 = 2.755731610068303e-06;
    private static final double S2 = -0.0001984126983675497;
    private static final double S1 = 0.008333333333330946;
    private static final double S0 = -0.16666666666666666;
    /** cos r = 1 - z/2 + z^2 C(z); fit error 1.3e-18 on C (4.9e-19 on cos). */
    private static final double C5 = -1.1382614868556325e-11;
    private static final double C4 = 2.0876146024689747e-09;
    private static final double C3 = -2.7557317270560326e-07;
    private static final double C2 = 2.4801587298763433e-05;
    private static final double C1 = -0.0013888888888887395;
    private static final double C0 = 0.041666666666666664;

    /** cos(2 pi u) per lane (see {@link #turns}). */
    static DoubleVector cosTurns(DoubleVector u) {
        return turns(u, true);
    }

    /** sin(2 pi u) per lane (see {@link #turns}). */
    static DoubleVector sinTurns(DoubleVector u) {
        return turns(u, false);
    }

    /**
     * cos or sin of 2 pi u: q = round(4u) and f = 4u - q are exact (|f| &le; 1/2), r = f pi/2 with one
     * rounding (fma of a two-part pi/2), and the quadrant q mod 4 picks cos r or sin r and the sign. Both
     * polynomials are computed; when a pass asks for both functions of the same u the JIT computes them
     * once.
     */
    /**
     * The cos and sin halves of Box-Muller pairs, first of two stage loops over k in [0, n) rounded up to whole
     * vectors of L lanes: reduces u[k] and evaluates both polynomials once, cos r into out[2k', 2k' + L) and
     * sin r into out[2k' + L, 2k' + 2L) for the step k' = k - k % L; {@link #polarQuadrants} then finishes
     * them. Together: the same bits as {@link #cosTurns} and {@link #sinTurns} times rad. (Two loops, as C2
     * inlines the vector helpers of a compiled method only up to a node budget.)
     */
    static void polarReduce(double[] u, int n, double[] out) {
        int lanes = DoubleVector.SPECIES_PREFERRED.length();
        for (int k = 0; k < n; k += lanes) {
            DoubleVector uk = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, u, k);
            DoubleVector r = reduced(uk, uk.mul(4.0).add(SHIFT));
            DoubleVector z = r.mul(r);
            cosReduced(z).intoArray(out, 2 * k);
            sinReduced(r, z).intoArray(out, 2 * k + lanes);
        }
    }

    /**
     * The second loop after {@link #polarReduce}: the quadrant and sign of the reduced cos and sin in out, times
     * rad[k]: rad cos(2 pi u) and rad sin(2 pi u) in place.
     */
    static void polarQuadrants(double[] rad, double[] u, int n, double[] out) {
        int lanes = DoubleVector.SPECIES_PREFERRED.length();
        for (int k = 0; k < n; k += lanes) {
            DoubleVector t = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, u, k).mul(4.0).add(SHIFT);
            DoubleVector r = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, rad, k);
            DoubleVector cosR = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, out, 2 * k);
            DoubleVector sinR = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, out, 2 * k + lanes);
            r.mul(quadrant(t, sinR, cosR, true)).intoArray(out, 2 * k);
            r.mul(quadrant(t, sinR, cosR, false)).intoArray(out, 2 * k + lanes);
        }
    }

    private static DoubleVector turns(DoubleVector u, boolean cos) {
        DoubleVector t = u.mul(4.0).add(SHIFT);
        DoubleVector r = reduced(u, t);
        DoubleVector z = r.mul(r);
        return quadrant(t, sinReduced(r, z), cosReduced(z), cos);
    }

    /** r = f pi/2 with f = 4u - q exact (t = 4u + 1.5 2^52 holds q = round(4u) in its low bits). */
    private static DoubleVector reduced(DoubleVector u, DoubleVector t) {
        DoubleVector u4 = u.mul(4.0);
        DoubleVector f = u4.sub(t.sub(SHIFT));
        return f.lanewise(FMA, PIO2_HI, f.mul(PIO2_LO));
    }

    /** sin r from r and z = r^2, |r| &le; pi/4. (turns is split in pieces that C2 inlines: each is small.) */
    private static DoubleVector sinReduced(DoubleVector r, DoubleVector z) {
        DoubleVector sp = z.lanewise(FMA, S5, S4);
        sp = sp.lanewise(FMA, z, S3);
        sp = sp.lanewise(FMA, z, S2);
        sp = sp.lanewise(FMA, z, S1);
        sp = sp.lanewise(FMA, z, S0);
        return r.mul(z).lanewise(FMA, sp, r);
    }

    /** cos r from z = r^2, |r| &le; pi/4, with 1 - z/2 carried with its rounding error. */
    private static DoubleVector cosReduced(DoubleVector z) {
        DoubleVector cp = z.lanewise(FMA, C5, C4);
        cp = cp.lanewise(FMA, z, C3);
        cp = cp.lanewise(FMA, z, C2);
        cp = cp.lanewise(FMA, z, C1);
        cp = cp.lanewise(FMA, z, C0);
        DoubleVector hz = z.mul(0.5);
        DoubleVector w = hz.neg().add(1.0);              // 1 - z/2, rounded
        DoubleVector werr = w.neg().add(1.0).sub(hz);     // its rounding error, exact
        return z.mul(z).lanewise(FMA, cp, werr).add(w);
    }

    /** The quadrant q = round(4u) (low bits of t = 4u + 1.5 2^52) picks cos r or sin r and the sign. */
    private static DoubleVector quadrant(DoubleVector t, DoubleVector sinR, DoubleVector cosR, boolean cos) {
        LongVector q = t.reinterpretAsLongs().sub(SHIFT_BITS);
        VectorMask<Double> odd = q.and(1L).compare(VectorOperators.NE, 0L).cast(t.species());
        DoubleVector v;
        LongVector sign;
        if (cos) { // cos(q pi/2 + r): cos r, -sin r, -cos r, sin r
            v = cosR.blend(sinR, odd);
            sign = q.add(1L).and(2L).lanewise(VectorOperators.LSHL, 62);
        } else {   // sin(q pi/2 + r): sin r, cos r, -sin r, -cos r
            v = sinR.blend(cosR, odd);
            sign = q.and(2L).lanewise(VectorOperators.LSHL, 62);
        }
        return v.reinterpretAsLongs().lanewise(VectorOperators.XOR, sign).reinterpretAsDoubles();
    }
}
