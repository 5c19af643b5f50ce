package org.gapscope.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Accuracy of {@link VectorMath} against java.lang.Math over 2^20 arguments per range, in ulps of the
 * expected value (java.lang.Math is itself within 1 ulp, so a bound of 2 here allows both errors; the
 * measured maxima are printed and stated in VectorMath's javadoc), and its special values.
 */
class VectorMathTest {
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final int N = 1 << 20;

    static double[] apply(UnaryOperator<DoubleVector> f, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i += DS.length()) {
            f.apply(DoubleVector.fromArray(DS, x, i)).intoArray(y, i);
        }
        return y;
    }

    static float[] applyF(UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += FS.length()) {
            f.apply(FloatVector.fromArray(FS, x, i)).intoArray(y, i);
        }
        return y;
    }

    /** Largest |actual - expected| in ulps of expected (same infinities and NaNs required). */
    static double maxUlp(String what, double[] x, double[] expected, double[] actual) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (!Double.isFinite(e)) {
                assertEquals(e, a, what + "(" + x[i] + ")");
                continue;
            }
            double err = Math.abs(a - e) / Math.ulp(e);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            }
        }
        System.out.printf("VectorMath %-28s max error %.3f ulp over %d arguments%n", what, worst, x.length);
        return worst;
    }

    static double[] uniform(double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[N];
        for (int i = 0; i < N; i++) {
            x[i] = lo + (hi - lo) * r.nextDouble();
        }
        return x;
    }

    static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = f.applyAsDouble(x[i]);
        }
        return y;
    }

    @Test
    void expF64IsWithinOneUlpOfMath() {
        for (double[] range : new double[][] {{-708, 709.7}, {-1, 1}, {-40, 0}, {-1e-6, 1e-6}}) {
            double[] x = uniform(range[0], range[1], 1);
            assertTrue(maxUlp("exp F64 " + range[0] + ".." + range[1], x, map(x, Math::exp),
                    apply(VectorMath::exp, x)) <= 1.0);
        }
        // subnormal results: one rounding of the same value, so within one subnormal step
        double[] x = uniform(-745.1, -708.4, 2);
        double[] e = map(x, Math::exp);
        double[] a = apply(VectorMath::exp, x);
        for (int i = 0; i < N; i++) {
            assertTrue(Math.abs(a[i] - e[i]) <= Double.MIN_VALUE, "exp(" + x[i] + ")");
        }
        double[] special = {Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -1e300, 1e300, -750.5,
            -746, 709.79, 710, -0.0, 0.0, Double.MIN_VALUE};
        double[] s = new double[DS.length() * ((special.length + DS.length() - 1) / DS.length())];
        System.arraycopy(special, 0, s, 0, special.length);
        double[] r = apply(VectorMath::exp, s);
        for (int i = 0; i < special.length; i++) {
            assertEquals(Math.exp(special[i]), r[i], 0.0, "exp(" + special[i] + ")");
        }
    }

    @Test
    void expF32IsWithinOneUlpOfMath() {
        for (double[] range : new double[][] {{-87.3, 88.7}, {-1, 1}, {-20, 0}}) {
            double[] xd = uniform(range[0], range[1], 3);
            float[] x = new float[N];
            for (int i = 0; i < N; i++) {
                x[i] = (float) xd[i];
            }
            float[] a = applyF(VectorMath::exp, x);
            double worst = 0;
            for (int i = 0; i < N; i++) {
                float e = (float) Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(a[i] - e) / Math.ulp(e));
            }
            System.out.printf("VectorMath exp F32 %s..%s max error %.3f ulp%n", range[0], range[1], worst);
            assertTrue(worst <= 1.0, "exp F32 " + worst + " ulp");
        }
        float[] special = new float[FS.length()];
        float[] in = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -1e30f, 1e30f, -104.5f, 89.5f,
            -0.0f, 0.0f, -100f, 88.72f};
        System.arraycopy(in, 0, special, 0, in.length);
        float[] r = applyF(VectorMath::exp, special);
        for (int i = 0; i < in.length; i++) {
            float e = (float) Math.exp(in[i]);
            assertTrue(Float.compare(e, r[i]) == 0 || Math.abs(e - r[i]) <= Float.MIN_VALUE * 2,
                    "exp(" + in[i] + ") = " + r[i] + ", expected " + e);
        }
    }

    /**
     * expNonPositive: the same bits as exp(FloatVector) wherever the result is at least 2^-126 (so the
     * exp-sums of logSumExp and softmax, one written with each, agree bit for bit), within 1 ulp of Math
     * there, and 0 below: at x = -87.34 (e^x under 2^-126), -100, -1e30 and -inf; NaN stays NaN.
     */
    @Test
    void expNonPositiveIsExpAboveTheFlushAndZeroBelow() {
        for (double[] range : new double[][] {{-87.33, 0}, {-1, 0}, {-104, -80}}) {
            double[] xd = uniform(range[0], range[1], 5);
            float[] x = new float[N];
            for (int i = 0; i < N; i++) {
                x[i] = (float) xd[i];
            }
            float[] a = applyF(VectorMath::expNonPositive, x);
            float[] full = applyF(VectorMath::exp, x);
            for (int i = 0; i < N; i++) {
                if (x[i] < VectorMath.EXP_FLUSH_F) {
                    assertEquals(0f, a[i], "expNonPositive(" + x[i] + ") flushed");
                } else {
                    assertEquals(full[i], a[i], 0f, "expNonPositive(" + x[i] + ") = exp");
                    float e = (float) Math.exp(x[i]);
                    assertTrue(Math.abs(a[i] - e) <= Math.ulp(e), "expNonPositive(" + x[i] + ") within 1 ulp");
                }
            }
        }
        assertTrue(Math.exp(VectorMath.EXP_FLUSH_F) >= 0x1p-126 && Math.exp(Math.nextDown(VectorMath.EXP_FLUSH_F)) < 0x1p-126,
                "the flush point is the bottom of FP32's normal range");
        float[] in = {Float.NaN, Float.NEGATIVE_INFINITY, -1e30f, -100f, -87.34f, -87.33654f, -0.0f, 0.0f};
        float[] special = new float[Math.max(FS.length(), in.length)];
        System.arraycopy(in, 0, special, 0, in.length);
        float[] r = applyF(VectorMath::expNonPositive, special);
        float[] want = {Float.NaN, 0f, 0f, 0f, 0f, (float) Math.exp(-87.33654f), 1f, 1f};
        for (int i = 0; i < in.length; i++) {
            assertTrue(Float.compare(want[i], r[i]) == 0 || Math.abs(want[i] - r[i]) <= Math.ulp(want[i]),
                    "expNonPositive(" + in[i] + ") = " + r[i] + ", expected " + want[i]);
        }
    }

    @Test
    void logIsWithinOneUlpOfMath() {
        // uniforms in (0, 1) as the crowding draws make them, -log of those (Gumbel), near 1, and any exponent
        double[] u = uniform(0, 1, 4);
        assertTrue(maxUlp("log (0, 1)", u, map(u, Math::log), apply(VectorMath::log, u)) <= 1.0);
        double[] g = map(u, v -> -Math.log(v));
        assertTrue(maxUlp("log (-log u)", g, map(g, Math::log), apply(VectorMath::log, g)) <= 1.0);
        double[] one = uniform(0.999, 1.001, 5);
        assertTrue(maxUlp("log near 1", one, map(one, Math::log), apply(VectorMath::log, one)) <= 1.0);
        SplittableRandom r = new SplittableRandom(6);
        double[] any = new double[N];
        for (int i = 0; i < N; i++) {
            any[i] = Double.longBitsToDouble(r.nextLong(1L, Double.doubleToRawLongBits(Double.MAX_VALUE)));
        }
        assertTrue(maxUlp("log of any positive", any, map(any, Math::log), apply(VectorMath::log, any)) <= 1.0);
        double[] special = {0.0, -0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 1.0, 2.0, 0.5, 1e-310, 3e-320};
        double[] s = new double[DS.length() * ((special.length + DS.length() - 1) / DS.length())];
        java.util.Arrays.fill(s, 1.0);
        System.arraycopy(special, 0, s, 0, special.length);
        double[] a = apply(VectorMath::log, s);
        for (int i = 0; i < special.length; i++) {
            double e = Math.log(special[i]);
            assertTrue(Double.compare(e, a[i]) == 0 || Math.abs(e - a[i]) <= Math.ulp(e),
                    "log(" + special[i] + ") = " + a[i] + ", expected " + e);
        }
    }

    static final double TWO_PI_HI = 6.283185307179586;
    static final double TWO_PI_LO = 2.4492935982947064e-16;

    /** cos or sin of 2 pi u with the product kept as hi + lo: accurate to Math's ulp. */
    static double turnsReference(double u, boolean cos) {
        double hi = TWO_PI_HI * u;
        double lo = Math.fma(TWO_PI_HI, u, -hi) + TWO_PI_LO * u;
        return cos ? Math.cos(hi) - Math.sin(hi) * lo : Math.sin(hi) + Math.cos(hi) * lo;
    }

    @Test
    void cosAndSinOfTurnsAreWithinTwoUlp() {
        double[] u = uniform(0, 1, 7);
        for (int i = 0; i < 64; i++) { // the quadrant edges
            u[i] = i / 32.0;
        }
        double[] cosE = map(u, v -> turnsReference(v, true));
        double[] sinE = map(u, v -> turnsReference(v, false));
        double[] cosA = apply(VectorMath::cosTurns, u);
        double[] sinA = apply(VectorMath::sinTurns, u);
        // near a zero of the function the reference itself is only good to ~2^-53 * |lo| + ulp(1) 2^-53
        double cw = 0;
        double sw = 0;
        for (int i = 0; i < N; i++) {
            cw = Math.max(cw, Math.abs(cosA[i] - cosE[i]) / Math.max(Math.ulp(cosE[i]), 0x1p-60));
            sw = Math.max(sw, Math.abs(sinA[i] - sinE[i]) / Math.max(Math.ulp(sinE[i]), 0x1p-60));
        }
        System.out.printf("VectorMath cosTurns max error %.3f ulp, sinTurns %.3f ulp%n", cw, sw);
        assertTrue(cw <= 2.0 && sw <= 2.0, cw + " " + sw);
        for (int i = 0; i < 64; i += 8) { // exact at multiples of a quarter turn
            assertEquals(Math.abs(Math.rint(Math.cos(Math.PI * i / 16))), Math.abs(cosA[i]), 0.0);
            assertEquals(Math.abs(Math.rint(Math.sin(Math.PI * i / 16))), Math.abs(sinA[i]), 0.0);
        }
    }

    /**
     * Box-Muller's two stage loops (polarReduce, then polarQuadrants) give exactly rad cosTurns(u) and
     * rad sinTurns(u), in the cos-then-sin layout per vector step, at the quadrant edges and for uniforms.
     */
    @Test
    void polarStagesAreCosAndSinOfTurnsTimesTheRadius() {
        int n = 4096;
        double[] u = java.util.Arrays.copyOf(uniform(0, 1, 8), n);
        for (int i = 0; i < 64; i++) {
            u[i] = i / 32.0;
        }
        double[] rad = java.util.Arrays.copyOf(uniform(0, 9, 9), n);
        double[] out = new double[2 * n];
        VectorMath.polarReduce(u, n, out);
        VectorMath.polarQuadrants(rad, u, n, out);
        double[] cos = apply(VectorMath::cosTurns, u);
        double[] sin = apply(VectorMath::sinTurns, u);
        int lanes = DS.length();
        for (int k = 0; k < n; k++) {
            int step = k - k % lanes;
            assertEquals(rad[k] * cos[k], out[2 * step + k % lanes], 0.0, "cos at " + k);
            assertEquals(rad[k] * sin[k], out[2 * step + lanes + k % lanes], 0.0, "sin at " + k);
        }
    }

    /**
     * The Vector API's own transcendental operators give JIT-dependent bits (see VectorMath): no cpu pass
     * may use them, only VectorMath.
     */
    @Test
    void noCpuPassUsesTheVectorApisTranscendentalOperators() throws java.io.IOException {
        java.util.regex.Pattern banned = java.util.regex.Pattern.compile(
                "VectorOperators\\.(EXP|EXPM1|LOG|LOG1P|LOG10|SIN|COS|TAN|ASIN|ACOS|ATAN|ATAN2|SINH|COSH|TANH|POW|HYPOT|CBRT)\\b");
        java.nio.file.Path sources = java.nio.file.Path.of("src/main/java/org/gapscope/cpu");
        if (!java.nio.file.Files.isDirectory(sources)) { // run from the tests module (scripts/mutation): core is its sibling
            sources = java.nio.file.Path.of("").toAbsolutePath().resolveSibling("core").resolve(sources);
        }
        try (var files = java.nio.file.Files.walk(sources)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : java.nio.file.Files.readAllLines(f)) {
                    String code = line.strip();
                    if (!code.startsWith("*") && !code.startsWith("//") && !code.startsWith("/*")) {
                        assertTrue(!banned.matcher(code).find(), f + ": " + code);
                    }
                }
            }
        }
    }
}
