package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Attribution;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.CrowdingStates;
import org.gapscope.api.DType;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.GapResult;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.InputException;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepLogits;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.gapscope.kernels.Laws;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op x every registered backend (except reference, the oracle) x dtype x shape family, against
 * the reference backend. Backends join by registering in META-INF/services (ServiceLoader): nothing
 * here names one. Families: tiny (V = H = T = 1), odd (sizes that are no multiple of any vector
 * width or chunk), large (V = 262144), and rows with +-inf / NaN.
 *
 * <p>Tolerances are the error bounds of {@link ErrorBounds}, derived there from the accumulation
 * schemes a backend may use (docs/MATH.md section 1), per dtype.
 */
class EquivalenceTest {

    static final ReferenceBackend REF = new ReferenceBackend();
    static final DType[] DTYPES = {DType.F32, DType.F64};

    static List<Backend> backendsUnderTest() {
        return Backends.all().stream().filter(b -> !b.name().equals("reference")).filter(Backend::available).toList();
    }

    @Test
    void theCpuBackendAndTheGridBodiesAreRegistered() {
        List<String> names = backendsUnderTest().stream().map(Backend::name).toList();
        assertTrue(names.contains("cpu"), "cpu backend registered: " + names);
        assertTrue(names.contains("grid"), "test grid backend registered: " + names);
        // auto picks cpu over reference, unless a device backend runs on a GPU or accelerator (tornado
        // ranks itself below cpu on a CPU OpenCL device such as PoCL)
        boolean accelerator = backendsUnderTest().stream().anyMatch(b -> b.capabilities().accelerator());
        assertEquals(accelerator ? "tornado" : "cpu", Backends.select("auto").name(), "auto picks the fastest");
    }

    // ---- tolerances: the bounds of ErrorBounds, where each is derived --------------------------------

    /** FP32 terms per lane of the cpu backend's exp sums on this machine (4096-element chunks). */
    static final int TERMS_PER_LANE = CpuBackend.CHUNK / CpuBackend.floatLanes();

    /**
     * Absolute tolerance of an LSE (or log Z) over v values with |x/T| &le; maxAbs: FP32 data may be
     * summed in FP32 lanes ({@link ErrorBounds#lseF32}), FP64 data in FP64 ({@link ErrorBounds#lseF64}).
     */
    static double lseTol(DType dtype, long v, double maxAbs) {
        return ErrorBounds.lse(dtype, TERMS_PER_LANE, v, maxAbs);
    }

    // ---- data -----------------------------------------------------------------------------------

    /** Gaussian test data from Philox (seeded, reproducible). */
    static double[] gaussian(int n, double sigma, long seed) {
        double[] x = new double[n];
        int[] scratch = new int[4];
        for (int i = 0; i < n; i++) {
            x[i] = Laws.draw(i, 0, seed, Laws.GAUSSIAN, 0, sigma, 0, scratch, 0);
        }
        return x;
    }

    static Tensor tensor(DType dtype, double[] values, long... shape) {
        if (dtype == DType.F64) {
            return Tensor.of(values.clone(), shape);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return Tensor.of(f, shape);
    }

    static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            if (Double.isFinite(v)) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    /** Equal when both are NaN or the same infinity; else |a - e| &le; tol. */
    static void close(String what, double expected, double actual, double tol) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, 0.0, what + ": expected " + expected + ", got " + actual);
            return;
        }
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(what + ": expected " + expected + ", got " + actual + " (|diff| = " + Math.abs(actual - expected)
                    + " > tol " + tol + ")");
        }
    }

    static void close(String what, double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            close(what + "[" + i + "]", expected[i], actual[i], tol);
        }
    }

    // ---- shape families for row ops -----------------------------------------------------------------

    record Rows(String family, long[] shape, double[] values, double temperature) {}

    static List<Rows> rowFamilies() {
        List<Rows> list = new ArrayList<>();
        list.add(new Rows("tiny", new long[] {1, 1}, new double[] {0.3}, 1.0));
        list.add(new Rows("odd", new long[] {3, 1031}, gaussian(3 * 1031, 3.0, 11), 1.0));
        list.add(new Rows("odd-rank3-T0.7", new long[] {2, 3, 17}, gaussian(102, 3.0, 12), 0.7));
        list.add(new Rows("large", new long[] {2, 262144}, gaussian(2 * 262144, 3.0, 13), 1.0));
        int v = 37;
        double[] nf = gaussian(6 * v, 2.0, 14);
        nf[3] = Double.NaN;                                   // row 0: a NaN
        nf[v + 5] = Double.POSITIVE_INFINITY;                 // row 1: +inf
        for (int i = 0; i < v; i++) {
            nf[2 * v + i] = Double.NEGATIVE_INFINITY;         // row 2: only -inf
        }
        nf[3 * v] = Double.NEGATIVE_INFINITY;                 // row 3: finite and one -inf
        nf[3 * v + 36] = Double.NEGATIVE_INFINITY;
        nf[4 * v + 1] = Double.POSITIVE_INFINITY;             // row 4: +inf and NaN
        nf[4 * v + 2] = Double.NaN;                           // row 5: finite
        list.add(new Rows("inf-nan", new long[] {6, v}, nf, 1.0));
        // several chunks per row, +inf in the last chunk of the last row: the row is marked special from its
        // last chunk's check
        double[] chunked = gaussian(3 * 9001, 2.0, 15);
        chunked[3 * 9001 - 1] = Double.POSITIVE_INFINITY;
        list.add(new Rows("inf-chunks", new long[] {3, 9001}, chunked, 1.0));
        return list;
    }

    // ---- the harness ----------------------------------------------------------------------------------

    /** Methods of {@link Backend} that describe or configure a backend: every other method is an op. */
    static final Set<String> NOT_OPS = Set.of("name", "device", "capabilities", "priority", "available",
            "unavailableReason", "devices", "configured", "matmulType");

    static final List<String> FAMILIES = List.of("tiny", "odd", "large", "inf-nan");

    /** The ops, read from the Backend interface itself. */
    static Set<String> ops() {
        return Arrays.stream(Backend.class.getMethods()).map(Method::getName).filter(n -> !NOT_OPS.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** A check of one op: on one backend, the dynamic tests it consists of. */
    interface Case {
        List<DynamicTest> tests(Backend backend);
    }

    /** Per dtype and row family (the row ops). */
    interface RowCheck {
        void check(Backend backend, DType dtype, Rows rows) throws Throwable;
    }

    /** Per dtype and shape family. */
    interface FamilyCheck {
        void check(Backend backend, DType dtype, String family) throws Throwable;
    }

    static Case perRows(String op, RowCheck check) {
        return backend -> {
            List<DynamicTest> t = new ArrayList<>();
            for (DType dtype : DTYPES) {
                for (Rows rows : rowFamilies()) {
                    t.add(DynamicTest.dynamicTest(op + " " + dtype + " " + rows.family(),
                            () -> check.check(backend, dtype, rows)));
                }
            }
            return t;
        };
    }

    static Case perFamily(String op, FamilyCheck check) {
        return backend -> {
            List<DynamicTest> t = new ArrayList<>();
            for (DType dtype : DTYPES) {
                for (String family : FAMILIES) {
                    t.add(DynamicTest.dynamicTest(op + " " + dtype + " " + family, () -> check.check(backend, dtype, family)));
                }
            }
            return t;
        };
    }

    /** One check of inputs in several dtypes: dtypes[i] is the i-th input tensor's. */
    interface MixedCheck {
        void check(Backend backend, DType[] dtypes) throws Throwable;
    }

    /**
     * An op's inputs in mixed dtypes: each of its {@code inputs} tensors in turn is F64 with the others F32,
     * and F32 with the others F64 (a fast path that reads one tensor's memory as another dtype fails).
     */
    static Case mixed(String op, int inputs, MixedCheck check) {
        return backend -> {
            List<DynamicTest> t = new ArrayList<>();
            for (int odd = 0; odd < inputs; odd++) {
                for (DType one : DTYPES) {
                    DType[] dt = new DType[inputs];
                    Arrays.fill(dt, one == DType.F64 ? DType.F32 : DType.F64);
                    dt[odd] = one;
                    t.add(DynamicTest.dynamicTest(op + " mixed dtypes " + Arrays.toString(dt), () -> check.check(backend, dt)));
                }
            }
            return t;
        };
    }

    /**
     * x rounded to multiples of 1/16 when the dtypes differ: exact in F32 and F64, and F64 memory read as
     * F32 gives finite floats near 1 (a zero low word, then the high word), so a fast path that misreads a
     * tensor's dtype returns wrong numbers instead of taking its non-finite input path.
     */
    static double[] dyadic(DType[] dtypes, double[] x) {
        if (Arrays.stream(dtypes).distinct().count() == 1) {
            return x;
        }
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = Math.rint(x[i] * 16) / 16;
        }
        return r;
    }

    static Case both(Case a, Case b) {
        return backend -> {
            List<DynamicTest> t = new ArrayList<>(a.tests(backend));
            t.addAll(b.tests(backend));
            return t;
        };
    }

    /** The looser bound of the dtypes: a call with an F32 input is held to F32's. */
    static DType loosest(DType... dtypes) {
        return Arrays.asList(dtypes).contains(DType.F32) ? DType.F32 : DType.F64;
    }

    /** The harness's cases, one per op of {@link Backend}, keyed by the op's name. */
    static Map<String, Case> cases() {
        Map<String, Case> m = new LinkedHashMap<>();
        m.put("logSumExp", perRows("logSumExp", EquivalenceTest::logSumExp));
        m.put("softmax", perRows("softmax", (b, dt, rows) -> softmax(b, dt, rows, false)));
        m.put("logSoftmax", perRows("logSoftmax", (b, dt, rows) -> softmax(b, dt, rows, true)));
        m.put("attention", both(perFamily("attention", EquivalenceTest::attention),
                mixed("attention", 3, (b, dt) -> attention(b, dt, "odd"))));
        m.put("jensenGap", both(perFamily("jensenGap", EquivalenceTest::jensenGap),
                mixed("jensenGap", 2, (b, dt) -> jensenGap(b, dt, "odd"))));
        m.put("mixtureGaps", perFamily("mixtureGaps", EquivalenceTest::mixtureGaps));
        m.put("matmul", b -> List.of(DynamicTest.dynamicTest("matmul (both layouts of B, F32/F64, odd sizes)",
                () -> MatmulEquivalenceTest.matmul(b))));
        m.put("attribution", b -> List.of(DynamicTest.dynamicTest("attribution H = 1 / 3 / 5",
                () -> attribution(b))));
        m.put("crowding", b -> List.of(DynamicTest.dynamicTest("crowding (every law, mitigation, N = 1 .. 300001)",
                () -> crowding(b))));
        m.put("crowdingStates", b -> List.of(DynamicTest.dynamicTest("crowdingStates: parts merged in order = crowding, "
                + "bit for bit", () -> crowdingStates(b))));
        m.put("positional", b -> List.of(DynamicTest.dynamicTest("positional tiny / odd / large",
                () -> positional(b))));
        m.put("sweepGap", b -> List.of(DynamicTest.dynamicTest("sweepGap (every law; tiny, odd and multi-chunk shapes; "
                + "nonzero first tokens)", () -> sweepGap(b)),
                DynamicTest.dynamicTest("sweepGap token ranges = the whole point's tokens, bit for bit",
                        () -> sweepGapRanges(b))));
        return m;
    }

    /**
     * The op list is the interface's, not a list kept by hand (as EJML pairs its reference and fast
     * classes by reflection): an op added to {@link Backend} without a case here fails this test, and so
     * does a case for an op that is gone.
     */
    @Test
    void everyOpOfTheBackendInterfaceHasACase() {
        Set<String> ops = ops();
        Set<String> cased = new TreeSet<>(cases().keySet());
        assertEquals(ops, cased, ops.size() + " ops in Backend, " + cased.size() + " cases in the harness");
        assertTrue(ops.contains("attribution") && ops.contains("logSumExp"), ops.toString());
    }

    @TestFactory
    Stream<DynamicNode> everyOpOnEveryBackend() {
        List<DynamicNode> perBackend = new ArrayList<>();
        for (Backend backend : backendsUnderTest()) {
            List<DynamicNode> tests = new ArrayList<>();
            for (Case c : cases().values()) {
                tests.addAll(c.tests(backend));
            }
            perBackend.add(DynamicContainer.dynamicContainer(backend.name(), tests));
        }
        assertFalse(perBackend.isEmpty(), "no backend besides reference is registered");
        return perBackend.stream();
    }

    static void logSumExp(Backend backend, DType dtype, Rows rows) {
        Tensor x = tensor(dtype, rows.values(), rows.shape());
        double[] expected = REF.logSumExp(x, rows.temperature());
        double[] actual = backend.logSumExp(x, rows.temperature());
        close(backend.name() + " logSumExp", expected, actual, lseTol(dtype, rows.shape()[rows.shape().length - 1], maxAbs(rows.values()) / rows.temperature()));
    }

    /**
     * softmax = exp(x/T - LSE): its relative error is the LSE's absolute error plus its own roundings
     * ({@link ErrorBounds#softmax}); log-softmax errs by the LSE's error plus those of x/T - LSE
     * ({@link ErrorBounds#logSoftmax}).
     */
    static void softmax(Backend backend, DType dtype, Rows rows, boolean log) {
        Tensor x = tensor(dtype, rows.values(), rows.shape());
        Tensor e = log ? REF.logSoftmax(x, rows.temperature()) : REF.softmax(x, rows.temperature());
        Tensor a = log ? backend.logSoftmax(x, rows.temperature()) : backend.softmax(x, rows.temperature());
        assertArrayEquals(x.shape(), a.shape(), "shape");
        double maxAbs = maxAbs(rows.values()) / rows.temperature();
        double tol = lseTol(dtype, rows.shape()[rows.shape().length - 1], maxAbs);
        for (long i = 0; i < x.size(); i++) {
            double ev = e.get(i);
            double t = log ? ErrorBounds.logSoftmax(a.dtype(), tol, maxAbs, ev) : ErrorBounds.softmax(a.dtype(), tol, maxAbs, ev);
            close(backend.name() + (log ? " logSoftmax[" : " softmax[") + i + "]", ev, a.get(i), t);
        }
    }

    static void jensenGap(Backend backend, DType dtype, String family) {
        jensenGap(backend, new DType[] {dtype, dtype}, family);
    }

    /** Logits in dtypes[0], the extra logits in dtypes[1]. */
    static void jensenGap(Backend backend, DType[] dtypes, String family) {
        DType dtype = loosest(dtypes);
        int b;
        int h;
        int v;
        switch (family) {
            case "tiny" -> { b = 1; h = 1; v = 1; }
            case "odd" -> { b = 3; h = 5; v = 1031; }
            case "large" -> { b = 1; h = 4; v = 262144; }
            default -> { b = 4; h = 3; v = 37; }
        }
        double[] logits = dyadic(dtypes, gaussian(b * h * v, 2.5, 21 + v));
        double[] extra = dyadic(dtypes, gaussian(b * v, 1.0, 22 + v));
        if (family.equals("inf-nan")) {
            logits[(0 * h + 1) * v + 4] = Double.NaN;                   // token 0: a NaN in head 1
            logits[(1 * h + 2) * v + 7] = Double.POSITIVE_INFINITY;     // token 1: +inf in head 2
            logits[(2 * h) * v + 9] = Double.NEGATIVE_INFINITY;         // token 2: one -inf logit
            logits[(2 * h + 1) * v + v - 1] = Double.NaN;               // token 2: a NaN in the last y (a tail)
            extra[3 * v + 1] = Double.NEGATIVE_INFINITY;                // token 3: -inf in the extra logits
        }
        int[] targets = new int[b];
        for (int t = 0; t < b; t++) {
            targets[t] = (t * 7 + 3) % v;
        }
        Tensor l = tensor(dtypes[0], logits, b, h, v);
        double maxAbs = maxAbs(logits) * h + maxAbs(extra);
        // log Z_h: one LSE each. log Z and log Z of the mean: an LSE of sums of H (+1) logits, summed in
        // FP64 by every scheme we allow (H 2^-53 |L|, far below lseTol). Gamma, gammaJ and the ledger
        // add H such log Z_h: ErrorBounds.gamma.
        double tolZ = lseTol(dtype, v, maxAbs);
        double tolGamma = ErrorBounds.gamma(h, tolZ);
        for (int mode = 0; mode < 3; mode++) {
            Tensor ex = mode == 0 ? null : mode == 1 ? tensor(dtypes[1], java.util.Arrays.copyOf(extra, v), v)
                    : tensor(dtypes[1], extra, b, v);
            int[] tg = mode == 1 ? null : targets;
            GapResult e = REF.jensenGap(l, ex, tg);
            GapResult a = backend.jensenGap(l, ex, tg);
            String w = backend.name() + " jensenGap extraMode " + mode;
            assertEquals(e.tokens(), a.tokens(), w + " tokens");
            assertEquals(e.heads(), a.heads(), w + " heads");
            assertEquals(e.extraIncluded(), a.extraIncluded(), w + " extraIncluded");
            assertArrayEquals(e.nonFinite(), a.nonFinite(), w + " nonFinite");
            close(w + " logZHeads", e.logZHeads(), a.logZHeads(), tolZ);
            close(w + " logZ", e.logZ(), a.logZ(), tolZ);
            close(w + " gamma", e.gamma(), a.gamma(), tolGamma);
            close(w + " gammaJ", e.gammaJ(), a.gammaJ(), tolGamma);
            if (tg == null) {
                assertEquals(null, a.ledger(), w + " no ledger without targets");
            } else {
                close(w + " ledger", e.ledger(), a.ledger(), tolGamma);
            }
        }
    }

    static void attention(Backend backend, DType dtype, String family) {
        attention(backend, new DType[] {dtype, dtype, dtype}, family);
    }

    /** q, k and v in dtypes[0], [1] and [2]. */
    static void attention(Backend backend, DType[] dtypes, String family) {
        DType dtype = loosest(dtypes);
        int heads;
        int tq;
        int tk;
        int d;
        int dv;
        switch (family) {
            case "tiny" -> { heads = 1; tq = 1; tk = 1; d = 1; dv = 1; }
            case "odd" -> { heads = 3; tq = 37; tk = 53; d = 13; dv = 7; }
            case "large" -> { heads = 1; tq = 512; tk = 512; d = 64; dv = 64; }
            default -> { heads = 3; tq = 9; tk = 11; d = 5; dv = 3; } // head 2 is finite: the fast path runs too
        }
        double[] q = dyadic(dtypes, gaussian(heads * tq * d, 1.0, 31));
        double[] k = dyadic(dtypes, gaussian(heads * tk * d, 1.0, 32));
        double[] vv = dyadic(dtypes, gaussian(heads * tk * dv, 1.0, 33));
        if (family.equals("inf-nan")) {
            q[2] = Double.NaN;                              // head 0, query 0: NaN scores
            k[tk * d + 3 * d] = Double.POSITIVE_INFINITY;   // head 1: key 3 has a +-inf score
        }
        Tensor tqT = tensor(dtypes[0], q, heads, tq, d);
        Tensor tkT = tensor(dtypes[1], k, heads, tk, d);
        Tensor tvT = tensor(dtypes[2], vv, heads, tk, dv);
        double scale = 1.0 / Math.sqrt(d);
        double tol = attentionTol(dtype, q, k, vv, heads, tq, tk, d, dv, scale);
        for (MaskAlignment mask : MaskAlignment.values()) {
            AttentionResult e = REF.attention(tqT, tkT, tvT, scale, mask);
            AttentionResult a = backend.attention(tqT, tkT, tvT, scale, mask);
            String w = backend.name() + " attention " + mask;
            assertArrayEquals(e.out().shape(), a.out().shape(), w + " out shape");
            assertArrayEquals(e.lse().shape(), a.lse().shape(), w + " lse shape");
            close(w + " lse", e.lse().toDoubles(), a.lse().toDoubles(), tol);
            close(w + " out", e.out().toDoubles(), a.out().toDoubles(), tol);
        }
    }

    /**
     * {@link ErrorBounds#attention} for these inputs: S = scale max over (head, query, key) of
     * sum_c |q_c k_c| and the largest |v|, over finite entries (a head with others runs in FP64).
     */
    static double attentionTol(DType dtype, double[] q, double[] k, double[] v, int heads, int tq, int tk, int d,
                               int dv, double scale) {
        double s = 0;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < tk; j++) {
                    double sum = 0;
                    for (int c = 0; c < d; c++) {
                        double p = Math.abs(q[(h * tq + i) * d + c] * k[(h * tk + j) * d + c]);
                        sum += Double.isFinite(p) ? p : 0;
                    }
                    s = Math.max(s, sum * Math.abs(scale));
                }
            }
        }
        return ErrorBounds.attention(dtype, d, tk, s, maxAbs(v));
    }

    /**
     * One token's mixture score gaps against the reference, every field within {@link ErrorBounds#mixtureGaps}:
     * tiny (H = V = 1), odd (H = 5, V = 9001: 3 cpu chunks of 4096 with a last one of 809 y, not a multiple of
     * any lane count; 10 strided grid chunks; unequal weights), large (H = 4, V = 262144), every score,
     * c = NaN (the maximum) and an explicit c, and the refusal of a c below the maximum. The odd family also
     * runs logits that make Pi underflow to 0 or to subnormals at some y (the Pi &gt; 0 rule) and logits with
     * |l| &gt; 700; inf-nan: a token with NaN/±inf (the host's special path on every backend).
     */
    static void mixtureGaps(Backend backend, DType dtype, String family) {
        switch (family) {
            case "tiny" -> mixtureGapsCase(backend, tensor(dtype, new double[] {0.7}, 1, 1), new double[] {1.0}, 0);
            case "odd" -> {
                int h = 5;
                int v = 9001;
                double[] beta = {0.1, 0.3, 0.2, 0.25, 0.15};
                double[] g = gaussian(h * v, 1.5, 41);
                mixtureGapsCase(backend, tensor(dtype, g, h, v), beta, 4097);
                double[] tiny = g.clone();
                for (int y = 3; y < v; y += 7) {
                    for (int hh = 0; hh < h; hh++) {
                        tiny[hh * v + y] = y % 2 == 0 ? -1000.0 : -730.0; // Pi = 0, or subnormal
                    }
                }
                mixtureGapsCase(backend, tensor(dtype, tiny, h, v), beta, 8);
                double[] far = g.clone();
                for (int i = 0; i < far.length; i++) {
                    far[i] += i < 2 * v ? 750.0 : -720.0;
                }
                mixtureGapsCase(backend, tensor(dtype, far, h, v), beta, v - 1);
                // weights summing to 1 + 9e-10 (Checks allows 1e-9): sum_y Pi = sum beta is not 1, and the
                // closed forms must carry it (concentrated heads, so ||pi_h||^2 - ||Pi||^2 is of order 1)
                mixtureGapsCase(backend, tensor(dtype, new double[] {0, 2, 4, 3, 0, 1}, 2, 3),
                        new double[] {0.4, 0.6 + 9e-10}, 1);
            }
            case "large" -> {
                int h = 4;
                int v = 262144;
                double[] beta = {0.25, 0.25, 0.25, 0.25};
                mixtureGapsCase(backend, tensor(dtype, gaussian(h * v, 2.0, 43), h, v), beta, 77);
            }
            default -> {
                double[] g = gaussian(2 * 17, 1.0, 44);
                g[3] = Double.NEGATIVE_INFINITY;
                mixtureGapsCase(backend, tensor(dtype, g, 2, 17), new double[] {0.5, 0.5}, 2);
                g[20] = Double.NaN;
                mixtureGapsCase(backend, tensor(dtype, g, 2, 17), new double[] {0.5, 0.5}, 2);
            }
        }
    }

    /** Every score, c = NaN, c above the maximum, c below it (refused), for one token. */
    static void mixtureGapsCase(Backend backend, Tensor l, double[] beta, int target) {
        int h = Math.toIntExact(l.shape()[0]);
        int v = Math.toIntExact(l.shape()[1]);
        double[] x = l.toDoubles();
        double[] logZ = REF.logSumExp(l, 1.0);
        double range = 0;
        for (int i = 0; i < x.length; i++) {
            double lp = Math.abs(x[i] - logZ[i / v]);
            range = Double.isFinite(lp) ? Math.max(range, lp) : range;
        }
        for (MixtureGaps.Score score : MixtureGaps.Score.values()) {
            MixtureGaps max = REF.mixtureGaps(l, beta, target, score, Double.NaN);
            for (double c : new double[] {Double.NaN, max.c() + 0.75}) {
                MixtureGaps e = Double.isNaN(c) ? max : REF.mixtureGaps(l, beta, target, score, c);
                MixtureGaps a = backend.mixtureGaps(l, beta, target, score, c);
                // a token with NaN/±inf takes the host's special path on every backend: the reference's own code
                double tol = org.gapscope.host.Fp64Rows.allFinite(x, 0, x.length)
                        ? ErrorBounds.mixtureGaps(v, h, maxAbs(x), range, e.c()) : 0.0;
                String w = backend.name() + " mixtureGaps " + l.dtype() + " " + h + "x" + v + " " + score + " c=" + c;
                assertEquals(score, a.score(), w);
                close(w + " mixture", e.mixture(), a.mixture(), tol);
                close(w + " gap", e.gap(), a.gap(), tol);
                close(w + " c", e.c(), a.c(), tol);
                close(w + " heads", e.heads(), a.heads(), tol);
                close(w + " contributions", e.contributions(), a.contributions(), tol);
                close(w + " sumContributions", e.sumContributions(), a.sumContributions(), tol);
                close(w + " divergences", e.divergences(), a.divergences(), tol);
            }
            if (Double.isFinite(max.c())) {
                double below = max.c() - 0.5;
                InputException ex = assertThrows(InputException.class,
                        () -> backend.mixtureGaps(l, beta, target, score, below), score + " c below max");
                assertTrue(ex.getMessage().startsWith("mixture: c = " + below + " is below max S(pi^(h), y) = "),
                        ex.getMessage());
            }
        }
        // several scores in one call (in an order of their own, one twice): each the single call's value, bit
        // for bit
        List<MixtureGaps.Score> scores = List.of(MixtureGaps.Score.BRIER, MixtureGaps.Score.SPHERICAL,
                MixtureGaps.Score.LOG, MixtureGaps.Score.BRIER);
        List<MixtureGaps> together = backend.mixtureGaps(l, beta, target, scores);
        assertEquals(scores.size(), together.size());
        for (int i = 0; i < scores.size(); i++) {
            MixtureGaps one = backend.mixtureGaps(l, beta, target, scores.get(i), Double.NaN);
            MixtureGaps a = together.get(i);
            String w = backend.name() + " mixtureGaps " + scores + " [" + i + "]";
            assertEquals(one.score(), a.score(), w);
            assertEquals(one.mixture(), a.mixture(), w);
            assertEquals(one.gap(), a.gap(), w);
            assertEquals(one.c(), a.c(), w);
            assertEquals(one.sumContributions(), a.sumContributions(), w);
            assertArrayEquals(one.heads(), a.heads(), w);
            assertArrayEquals(one.contributions(), a.contributions(), w);
            assertArrayEquals(one.divergences(), a.divergences(), w);
        }
        assertEquals(List.of(), backend.mixtureGaps(l, beta, target, List.of()));
    }

    /**
     * alpha = P^+ Pi of H head distributions (softmax of Gaussian rows) and their mean: host FP64 linear
     * algebra in every backend (one SVD-based pseudoinverse): {@link ErrorBounds#SHARED_HOST}.
     */
    static void attribution(Backend backend) {
        for (int h : new int[] {1, 3, 5}) {
            int v = 17;
            double[][] probs = new double[h][];
            double[] aggregate = new double[v];
            for (int j = 0; j < h; j++) {
                probs[j] = REF.softmax(Tensor.of(gaussian(v, 1.5, 50 + j), v), 1.0).toDoubles();
                for (int y = 0; y < v; y++) {
                    aggregate[y] += probs[j][y] / h;
                }
            }
            aggregate[0] += 0.01; // not in the span: a residual that is not zero
            Attribution e = REF.attribution(probs, aggregate);
            Attribution a = backend.attribution(probs, aggregate);
            String w = backend.name() + " attribution H=" + h;
            close(w + " alpha", e.alpha(), a.alpha(), ErrorBounds.SHARED_HOST);
            close(w + " projection", e.projection(), a.projection(), ErrorBounds.SHARED_HOST);
            close(w + " residual", e.residual(), a.residual(), ErrorBounds.SHARED_HOST);
            close(w + " residualNorm", e.residualNorm(), a.residualNorm(), ErrorBounds.SHARED_HOST);
        }
    }

    static void crowding(Backend backend) {
        List<CrowdingSpec> specs = new ArrayList<>();
        Law[] laws = {Law.gaussian(0, 1), Law.gumbel(0, 0.5), Law.uniform(-1, 2), Law.exponential(0.5, 2),
            Law.studentT(0, 1, 3)};
        for (Law law : laws) {
            for (long n : new long[] {1, 2, 1000, 70001}) {
                specs.add(new CrowdingSpec(n, 2.0, law, 3, 0, 42, Mitigation.NONE));
            }
        }
        // hot laws, scores up to ~7000 (beyond exp's range: a pass that shifts by a wrong maximum overflows);
        // per score 4.4e-16 relative is 3e-12 absolute there, and FP64 sums of N terms in another order
        // N u64 relative: 1e-11 on the LSE, inside ErrorBounds.CROWDING
        for (Law law : new Law[] {Law.gaussian(0, 300), Law.gumbel(0, 200), Law.uniform(-1000, 1000),
            Law.exponential(0, 0.005)}) {
            for (long n : new long[] {1000, 70001}) {
                specs.add(new CrowdingSpec(n, 2.0, law, 2, 0, 43, Mitigation.NONE));
            }
        }
        // seeds above 2^32 and negative (Philox keys on both words)
        for (long seed : new long[] {(1L << 40) + 5, -5}) {
            specs.add(new CrowdingSpec(1000, 2.0, Law.gaussian(0, 1), 2, 0, seed, Mitigation.NONE));
            specs.add(new CrowdingSpec(1000, 2.0, Law.gumbel(0, 1), 2, 0, seed, Mitigation.NONE));
        }
        for (Mitigation m : List.of(new Mitigation(Mitigation.Kind.SCALABLE, 0.8),
                new Mitigation(Mitigation.Kind.TEMPERATURE, 2.0), new Mitigation(Mitigation.Kind.TOP_K, 10),
                new Mitigation(Mitigation.Kind.TOP_K, 1))) {
            specs.add(new CrowdingSpec(300001, 3.0, Law.gaussian(0, 1), 2, 5, 7, m));
            specs.add(new CrowdingSpec(5, 3.0, Law.gumbel(0, 1), 2, 5, 7, m));
        }
        specs.add(new CrowdingSpec(300001, 3.0, Law.gaussian(0, 1), 2, 5, 7, Mitigation.NONE));
        // 131073 distractors: the second of the cpu backend's 3 chunks of 43691 starts at an odd index, the
        // second half of a Gaussian pair (one Philox block per pair 2j, 2j + 1), and every chunk's count is odd
        specs.add(new CrowdingSpec(131074, 3.0, Law.gaussian(0, 1), 2, 5, 7, Mitigation.NONE));
        for (CrowdingSpec spec : specs) {
            CrowdingResult e = REF.crowding(spec);
            CrowdingResult a = backend.crowding(spec);
            String w = backend.name() + " crowding " + spec;
            close(w + " p", e.p(), a.p(), ErrorBounds.CROWDING);
            close(w + " lse", e.logSumDistractors(), a.logSumDistractors(), ErrorBounds.CROWDING);
        }
    }

    /**
     * A crowding point in parts (one repetition's distractors spread over machines): the parts merged in
     * part order are the backend's own crowding result, bit for bit, for 1 to 7 parts (more parts than the
     * cpu backend has chunks included), the odd chunk start of N = 131074, top-k and N = 1 (whole results in
     * part 0); parts merged out of order are refused.
     */
    static void crowdingStates(Backend backend) {
        List<CrowdingSpec> specs = List.of(new CrowdingSpec(300001, 3.0, Law.gaussian(0, 1), 3, 5, 7, Mitigation.NONE),
                new CrowdingSpec(131074, 3.0, Law.gaussian(0, 1), 2, 5, 7, Mitigation.NONE),
                new CrowdingSpec(200001, 2.0, Law.studentT(0, 1, 3), 2, 1, 9, Mitigation.NONE),
                new CrowdingSpec(150001, 3.0, Law.gumbel(0, 1), 2, 0, 3, new Mitigation(Mitigation.Kind.SCALABLE, 0.8)),
                new CrowdingSpec(70001, 3.0, Law.gaussian(0, 1), 2, 5, 7, new Mitigation(Mitigation.Kind.TOP_K, 10)),
                new CrowdingSpec(1, 3.0, Law.gaussian(0, 1), 2, 0, 7, Mitigation.NONE));
        for (CrowdingSpec spec : specs) {
            CrowdingResult whole = backend.crowding(spec);
            for (int ranges = 1; ranges <= 7; ranges++) {
                List<CrowdingStates> parts = new ArrayList<>();
                for (int i = 0; i < ranges; i++) {
                    parts.add(backend.crowdingStates(spec, i, ranges));
                }
                CrowdingResult merged = CrowdingStates.merge(spec, parts);
                String w = backend.name() + " crowdingStates " + spec + " in " + ranges;
                for (CrowdingStates part : parts) {
                    if (part.hasStates()) {
                        assertEquals((part.c1() - part.c0()) * spec.reps(), part.m().length, w + " states of a part");
                        assertEquals(part.m().length, part.d().length, w + " states of a part");
                    }
                }
                boolean chunked = backend.name().equals("cpu") || backend.name().equals("grid");
                if (chunked && spec.n() > 1 && spec.mitigation().kind() != Mitigation.Kind.TOP_K) {
                    assertTrue(parts.stream().allMatch(CrowdingStates::hasStates), w + ": parts of chunk states");
                }
                assertArrayEquals(whole.p(), merged.p(), w + " p");
                assertArrayEquals(whole.logSumDistractors(), merged.logSumDistractors(), w + " lse");
                List<CrowdingStates> withStates = parts.stream().filter(p -> p.hasStates() && p.c1() > p.c0()).toList();
                if (withStates.size() >= 2) {
                    List<CrowdingStates> reversed = new ArrayList<>(parts);
                    java.util.Collections.reverse(reversed);
                    assertThrows(IllegalStateException.class, () -> CrowdingStates.merge(spec, reversed), w);
                }
            }
        }
    }

    static void positional(Backend backend) {
        double[][] omegas = {{0.5}, new double[7], new double[64]};
        double[][] deltas = {{3.0}, new double[1001], new double[4096]};
        for (int s = 1; s < 3; s++) {
            int m = omegas[s].length;
            for (int k = 0; k < m; k++) {
                omegas[s][k] = Math.pow(10000.0, -2.0 * k / (2 * m)); // RoPE frequencies
            }
            for (int i = 0; i < deltas[s].length; i++) {
                deltas[s][i] = i - 17.5;
            }
        }
        for (int s = 0; s < 3; s++) {
            close(backend.name() + " positional m=" + omegas[s].length, REF.positional(omegas[s], deltas[s]),
                    backend.positional(omegas[s], deltas[s]), ErrorBounds.POSITIONAL);
        }
    }

    // ---- sweepGap: the fused op against the materialized path ----------------------------------------

    /**
     * Shapes {B, H, V}: tiny; odd V (Gaussian pairs straddle heads and tokens); several chunks on every
     * backend; on cpu, H within {@link CpuBackend#SWEEP_PAIR_HEADS} keeps the heads' pair states (no
     * second pass; H = 5, 7 leave a part-filled tile of 4 heads) and the shape with one head more runs
     * the second pass instead; V = 47 (15 mod 16, 7 mod 8) gives odd heads that start on the second half
     * of a Gaussian pair and end with the longest tail a vector step of pairs can leave.
     */
    static final int[][] SWEEP_SHAPES = {{1, 1, 1}, {2, 3, 37}, {3, 5, 1031}, {2, 7, 10001}, {1, 32, 8192},
        {2, CpuBackend.SWEEP_PAIR_HEADS + 1, 1031}, {2, 3, 47}};

    /**
     * First tokens for token ranges ({B, H, V, firstToken}): odd H V with an odd first token, so the range's
     * first draw is the second of a Gaussian pair whose first belongs to the token before it; several chunks.
     */
    static final int[][] SWEEP_RANGES = {{2, 3, 37, 5}, {2, 7, 10001, 3}, {1, 32, 8192, 1}};

    static List<SweepSpec> sweepSpecs() {
        List<SweepSpec> specs = new ArrayList<>();
        for (SweepLaw law : SweepLaw.values()) {
            for (int[] s : SWEEP_SHAPES) {
                specs.add(new SweepSpec(law, s[1], s[2], s[0], 1.3, law.usesMargin() ? 3.0 : 0, law.usesRho() ? 0.6 : 0,
                        0.7, 17 + s[2]));
            }
            for (int[] s : SWEEP_RANGES) {
                specs.add(new SweepSpec(law, s[1], s[2], s[0], 1.3, law.usesMargin() ? 3.0 : 0, law.usesRho() ? 0.6 : 0,
                        0.7, 17 + s[2], s[3]));
            }
            // hot: sigma 40 at T = 0.05, logits up to ~7000 (beyond exp's range in FP64 too): a wrong shift
            // by the maximum overflows
            specs.add(new SweepSpec(law, 5, 1031, 2, 40, law.usesMargin() ? 90.0 : 0, law.usesRho() ? 0.6 : 0, 0.05, 23));
            // a seed above 2^32 (its high word keys Philox); with a margin, a negative one at V = 3: the
            // value it lowers is often its block's maximum by hundreds, so a maximum not taken again after
            // the margin would flush every other term
            specs.add(new SweepSpec(law, 5, 3, 4, 40, law.usesMargin() ? -90.0 : 0, law.usesRho() ? 0.6 : 0, 0.05,
                    (1L << 40) + 29));
        }
        // hot with more heads than the pair states cover: the Brier term's second pass; and the second pass
        // with a margin at V = 3, where (y* + h) mod V puts some head's margin on every block offset
        specs.add(new SweepSpec(SweepLaw.gaussian, CpuBackend.SWEEP_PAIR_HEADS + 1, 257, 1, 40, 0, 0, 0.05, 31));
        specs.add(new SweepSpec(SweepLaw.disagree, CpuBackend.SWEEP_PAIR_HEADS + 1, 3, 2, 1.3, 3.0, 0, 0.7, 37));
        return specs;
    }

    /**
     * A token range of a point (firstToken &gt; 0) on {@code backend} is the same tokens of the whole point
     * on the same backend, bit for bit: every per-token number depends only on the token's own draws, so a
     * point split into token ranges (sweep gap on a cluster) merges to the one-machine bits.
     */
    static void sweepGapRanges(Backend backend) {
        for (SweepLaw law : SweepLaw.values()) {
            for (int[] s : SWEEP_RANGES) {
                SweepSpec whole = new SweepSpec(law, s[1], s[2], s[3] + s[0] + 1, 1.3, law.usesMargin() ? 3.0 : 0,
                        law.usesRho() ? 0.6 : 0, 0.7, 17 + s[2]);
                SweepSpec range = whole.withTokens(s[3], s[0]);
                SweepResult a = backend.sweepGap(whole);
                SweepResult r = backend.sweepGap(range);
                String w = backend.name() + " sweepGap " + range + " of " + whole;
                int f = s[3];
                int n = s[0];
                int h = s[1];
                assertArrayEquals(java.util.Arrays.copyOfRange(a.targets(), f, f + n), r.targets(), w + " targets");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.logZHeads(), f * h, (f + n) * h), r.logZHeads(),
                        w + " logZHeads");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.logZ(), f, f + n), r.logZ(), w + " logZ");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.gamma(), f, f + n), r.gamma(), w + " gamma");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.gammaJ(), f, f + n), r.gammaJ(), w + " gammaJ");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.ledger(), f, f + n), r.ledger(), w + " ledger");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.logGap(), f, f + n), r.logGap(), w + " logGap");
                assertArrayEquals(java.util.Arrays.copyOfRange(a.brierGap(), f, f + n), r.brierGap(), w + " brierGap");
            }
        }
    }

    @Test
    void theReferenceSweepGapIsTheMaterializedPath() {
        for (SweepSpec spec : sweepSpecs()) {
            sweepGapAgainstMaterialized(REF, spec);
        }
    }

    /**
     * Tokens whose logits lie far apart (sigma / T = 10^5: token maxima differ by thousands): each token's
     * states must start afresh, else the next token's exp(l - m) against the previous token's maximum
     * underflows to 0 and its log Z becomes -inf.
     */
    @Test
    void theReferenceSweepGapStartsEveryTokenAfresh() {
        sweepGapAgainstMaterialized(REF, new SweepSpec(SweepLaw.gaussian, 2, 50, 4, 1000, 0, 0, 0.01, 23));
    }

    static void sweepGap(Backend backend) {
        for (SweepSpec spec : sweepSpecs()) {
            sweepGapAgainstMaterialized(backend, spec);
        }
        // without the Brier gap (no second pass): brierGap NaN, everything else the same bits
        List<SweepSpec> specs = sweepSpecs();
        for (SweepSpec spec : List.of(specs.get(2), specs.get(SWEEP_SHAPES.length + 1), specs.get(specs.size() - 2))) {
            SweepResult both = backend.sweepGap(spec);
            SweepResult log = backend.sweepGap(spec.withBrier(false));
            String w = backend.name() + " sweepGap without the Brier gap " + spec;
            assertArrayEquals(both.targets(), log.targets(), w);
            for (double[][] pair : new double[][][] {{both.logZHeads(), log.logZHeads()}, {both.logZ(), log.logZ()},
                {both.gamma(), log.gamma()}, {both.gammaJ(), log.gammaJ()}, {both.ledger(), log.ledger()},
                {both.logGap(), log.logGap()}}) {
                assertArrayEquals(pair[0], pair[1], 0.0, w);
            }
            for (int t = 0; t < spec.tokens(); t++) {
                assertTrue(Double.isNaN(log.brierGap()[t]) && Double.isFinite(both.brierGap()[t]), w + " brierGap");
            }
        }
    }

    /**
     * The fused op on {@code backend} against the materialized path: {@link SweepLogits#generate}, then the
     * reference's jensenGap and mixtureGaps (beta_h = 1/H) per token. Both see the same float32 logits
     * (a vector log/cos/sin within an ulp of java.lang.Math can move a logit by one float32 ulp, 6e-8 |l|,
     * which moves a log Z by less than 6e-8 max|l|: inside lseTol). Tolerances from the F32 LSE bound
     * with max|l| = (8.6 sigma + |a|) / T: log Z_h: tolHead = lseTol(F32, max|l|); log Z of the aggregate
     * (|L| &le; H max|l|): tolAgg = lseTol(F32, H max|l|); Gamma, gammaJ and the ledger add H log Z_h and one
     * aggregate: H tolHead + tolAgg. The log gap is log Pi(y*) - mean_h log pi_h(y*), each log pi_h(y*) off
     * by tolHead and log Pi(y*) (a weighted mean of the pi_h(y*)) by tolHead: 2 tolHead. The Brier gap
     * 2 Pi(y*) - ||Pi||^2 - mean_h (2 pi_h(y*) - ||pi_h||^2): each pi is off by relative tolHead, each square
     * by 2 tolHead, so 2 tolHead times the sum of the terms' magnitudes; where cpu takes ||Pi||^2 from the
     * heads' pair states, that term adds {@link ErrorBounds#sweepPairs} relative.
     */
    static void sweepGapAgainstMaterialized(Backend backend, SweepSpec spec) {
        int b = (int) spec.tokens();
        int h = spec.heads();
        int v = spec.vocab();
        float[] x = new float[b * h * v];
        int[] targets = new int[b];
        SweepLogits.generate(spec, spec.firstToken(), b, x, targets);
        Tensor l = Tensor.of(x, b, h, v);
        GapResult e = REF.jensenGap(l, null, targets);
        SweepResult a = backend.sweepGap(spec);
        String w = backend.name() + " sweepGap " + spec;
        assertArrayEquals(targets, a.targets(), w + " targets");
        double tolHead = lseTol(DType.F32, v, spec.maxAbsLogit());
        double tolAgg = lseTol(DType.F32, v, h * spec.maxAbsLogit());
        double tolGamma = h * tolHead + tolAgg;
        close(w + " logZHeads", e.logZHeads(), a.logZHeads(), tolHead);
        close(w + " logZ", e.logZ(), a.logZ(), tolAgg);
        close(w + " gamma", e.gamma(), a.gamma(), tolGamma);
        close(w + " gammaJ", e.gammaJ(), a.gammaJ(), tolGamma);
        close(w + " ledger", e.ledger(), a.ledger(), tolGamma);
        double[] beta = new double[h];
        java.util.Arrays.fill(beta, 1.0 / h);
        for (int t = 0; t < b; t++) {
            Tensor tok = Tensor.of(java.util.Arrays.copyOfRange(x, t * h * v, (t + 1) * h * v), h, v);
            MixtureGaps log = REF.mixtureGaps(tok, beta, targets[t], MixtureGaps.Score.LOG, Double.NaN);
            MixtureGaps brier = REF.mixtureGaps(tok, beta, targets[t], MixtureGaps.Score.BRIER, Double.NaN);
            close(w + " logGap[" + t + "]", log.gap(), a.logGap()[t], 2 * tolHead);
            double mixAt = Math.exp(log.mixture());
            double size = 2 * mixAt + (2 * mixAt - brier.mixture());
            for (int k = 0; k < h; k++) {
                double piAt = Math.exp(log.heads()[k]);
                size += (2 * piAt + (2 * piAt - brier.heads()[k])) / h;
            }
            double pairs = backend instanceof CpuBackend && h <= CpuBackend.SWEEP_PAIR_HEADS
                    ? ErrorBounds.sweepPairs(CpuBackend.sweepPairTermsPerLane(), spec.maxAbsLogit())
                    * (2 * mixAt - brier.mixture()) : 0;
            close(w + " brierGap[" + t + "]", brier.gap(), a.brierGap()[t], 2 * tolHead * size + pairs + 1e-15);
        }
    }
}
