package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.gapscope.api.Backend;
import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The equivalence harness must reject a backend whose fast pass is broken, including the breakage a
 * host fallback used to hide: a pass that returns -inf for every row (as if the exp-sum were deleted)
 * was recomputed on the host and passed every test. Each variant here is the grid backend or the cpu
 * backend with one pass broken; every harness check of the op it breaks must fail on every dtype and shape
 * family, with an assertion or with the backend's own "finite input, non-finite result" error.
 */
class BrokenPassTest {

    /** The grid backend (sequential bodies, strided chunks) with a corruption applied after a pass. */
    static class Broken extends KernelBackend {
        final DoubleUnaryOperator lse;
        final DoubleUnaryOperator attention;
        final DoubleUnaryOperator gap;

        Broken(String name, DoubleUnaryOperator lse, DoubleUnaryOperator attention, DoubleUnaryOperator gap) {
            super(name, SEQUENTIAL, Chunks.STRIDED, 1000, 4099);
            this.lse = lse;
            this.attention = attention;
            this.gap = gap;
        }

        @Override
        protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
            super.lseRows(x, r0, n, v, invT, out, special);
            apply(lse, out, r0, r0 + n);
        }

        @Override
        protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv,
                                      double scale, int mask, double[] out, double[] lse) {
            super.attentionHeads(q, k, v, nh, tq, tk, d, dv, scale, mask, out, lse);
            apply(attention, out, 0, out.length);
            apply(attention, lse, 0, lse.length);
        }

        @Override
        protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                                 double[] logZ, double[] logZMean, long[] nonFinite) {
            super.gapTokens(logits, extra, t0, n, h, v, logZHeads, logZ, logZMean, nonFinite);
            for (int i = t0 * h; i < (t0 + n) * h; i++) {
                logZHeads[i] = gap.applyAsDouble(logZHeads[i]);
            }
        }
    }

    /**
     * The cpu backend with the same corruptions: after its FP32 row merge and its FP32 attention pass (the
     * fast paths), and after the FP64 paths it inherits (lseRows, attentionHeads).
     */
    static class BrokenCpu extends CpuBackend {
        final DoubleUnaryOperator rows;
        final DoubleUnaryOperator attention;

        BrokenCpu(DoubleUnaryOperator rows, DoubleUnaryOperator attention) {
            this.rows = rows;
            this.attention = attention;
        }

        @Override
        public String name() {
            return "broken-cpu";
        }

        @Override
        protected void mergeRow(int r, int chunks, double[] m, double[] d, double[] out) {
            super.mergeRow(r, chunks, m, d, out);
            out[r] = rows.applyAsDouble(out[r]);
        }

        @Override
        protected void attentionPass(Tensor q, Tensor k, Tensor v, int nh, int tq, int tk, int d, int dv, double scale,
                                     int mask, boolean[] fast, Tensor out, Tensor lse) {
            super.attentionPass(q, k, v, nh, tq, tk, d, dv, scale, mask, fast, out, lse);
            for (long i = 0; i < out.size(); i++) {
                out.set(i, attention.applyAsDouble(out.get(i)));
            }
            for (long i = 0; i < lse.size(); i++) {
                lse.set(i, attention.applyAsDouble(lse.get(i)));
            }
        }
    }

    /** a[i] = f(a[i]) for i in [from, to). */
    static void apply(DoubleUnaryOperator f, double[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = f.applyAsDouble(a[i]);
        }
    }

    static final DoubleUnaryOperator SOUND = x -> x;
    static final DoubleUnaryOperator MINUS_INF = x -> Double.NEGATIVE_INFINITY;
    /** Garbage within the range of real results: far outside every tolerance, yet finite. */
    static final DoubleUnaryOperator GARBAGE = x -> x * 1.001 + 0.01;

    static void rejected(String what, Executable check) {
        Throwable t = assertThrows(Throwable.class, check, what + ": the harness accepted a broken pass");
        assertTrue(t instanceof AssertionError || t instanceof IllegalStateException,
                what + ": failed for another reason: " + t);
    }

    /**
     * A pass whose results come back -inf for finite input is the backend's own error, before any harness
     * check: an IllegalStateException naming the op and the non-finite value.
     */
    static void rejected(String what, DoubleUnaryOperator breakage, Executable check) {
        if (breakage != MINUS_INF) {
            rejected(what, check);
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, check, what + ": no fast-path error");
        assertTrue(e.getMessage().contains("has finite input but its result is -Infinity"), what + ": " + e.getMessage());
        // the op, or the LSE step that KernelBackend's row ops share
        String op = what.substring(0, what.indexOf(' '));
        assertTrue(e.getMessage().contains(" " + op + ": ") || e.getMessage().contains(" logSumExp: "),
                what + ": the error names the op: " + e.getMessage());
    }

    @Test
    void aBrokenLsePassIsRejectedOnEveryRowOp() {
        for (DoubleUnaryOperator breakage : List.of(MINUS_INF, GARBAGE)) {
            rowOpsRejected(new Broken("broken-lse", breakage, SOUND, SOUND), breakage, EquivalenceTest.DTYPES);
            rowOpsRejected(new BrokenCpu(breakage, SOUND), breakage, new DType[] {DType.F32});
        }
    }

    static void rowOpsRejected(Backend b, DoubleUnaryOperator breakage, DType[] dtypes) {
        for (DType dtype : dtypes) {
            for (EquivalenceTest.Rows rows : EquivalenceTest.rowFamilies()) {
                String w = b.name() + " " + dtype + " " + rows.family();
                rejected("logSumExp " + w, breakage, () -> EquivalenceTest.logSumExp(b, dtype, rows));
                rejected("softmax " + w, breakage, () -> EquivalenceTest.softmax(b, dtype, rows, false));
                rejected("logSoftmax " + w, breakage, () -> EquivalenceTest.softmax(b, dtype, rows, true));
            }
        }
    }

    /** A family check of one op, as the harness runs it. */
    interface FamilyCheck {
        void check(Backend b, DType dtype, String family) throws Throwable;
    }

    /** Every dtype and family of {@code op} must fail on both breakages of the backend {@code broken} makes. */
    static void rejectedOnEveryFamily(String op, java.util.function.Function<DoubleUnaryOperator, Backend> broken,
                                      DType[] dtypes, FamilyCheck check) {
        for (DoubleUnaryOperator breakage : List.of(MINUS_INF, GARBAGE)) {
            Backend b = broken.apply(breakage);
            for (DType dtype : dtypes) {
                for (String family : EquivalenceTest.FAMILIES) {
                    rejected(op + " " + dtype + " " + family, breakage, () -> check.check(b, dtype, family));
                }
            }
        }
    }

    @Test
    void aBrokenAttentionPassIsRejected() {
        rejectedOnEveryFamily("attention", x -> new Broken("broken-attention", SOUND, x, SOUND), EquivalenceTest.DTYPES,
                EquivalenceTest::attention);
        rejectedOnEveryFamily("attention", x -> new BrokenCpu(SOUND, x), new DType[] {DType.F32},
                EquivalenceTest::attention);
    }

    @Test
    void aBrokenGapPassIsRejected() {
        rejectedOnEveryFamily("jensenGap", x -> new Broken("broken-gap", SOUND, SOUND, x), EquivalenceTest.DTYPES,
                EquivalenceTest::jensenGap);
    }

    /**
     * One result of the last attention query broken, in the last of several host batches (one head per
     * batch): its LSE set to -inf (the output kept), or one output value set to NaN (the LSE kept). Either
     * is the backend's own error naming the query by its index in the whole input, 3 heads x 5 queries
     * - 1 = 14, and the value it got.
     */
    @Test
    void aBrokenAttentionQueryIsNamedByItsIndex() {
        for (boolean lse : new boolean[] {true, false}) {
            int[] batches = {0};
            KernelBackend b = new KernelBackend("broken-query", KernelBackend.SEQUENTIAL, Chunks.STRIDED, 1000, 4099) {
                @Override
                protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d,
                                              int dv, double scale, int mask, double[] out, double[] l) {
                    super.attentionHeads(q, k, v, nh, tq, tk, d, dv, scale, mask, out, l);
                    if (++batches[0] < 3) {
                        return; // the first two heads' batches are sound
                    }
                    if (lse) {
                        l[l.length - 1] = Double.NEGATIVE_INFINITY;
                    } else {
                        out[out.length - 2] = Double.NaN;
                    }
                }
            }.batchElements(20); // 5 queries x 4 dims: one head per batch
            Tensor q = Tensor.of(EquivalenceTest.gaussian(3 * 5 * 4, 1.0, 81), 3, 5, 4);
            Tensor k = Tensor.of(EquivalenceTest.gaussian(3 * 5 * 4, 1.0, 82), 3, 5, 4);
            Tensor v = Tensor.of(EquivalenceTest.gaussian(3 * 5 * 4, 1.0, 83), 3, 5, 4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> b.attention(q, k, v, 0.5, org.gapscope.api.MaskAlignment.TOP_LEFT));
            String value = lse ? "-Infinity" : "NaN";
            assertTrue(e.getMessage().contains("attention: query 14 has finite input but its result is " + value),
                    e.getMessage());
        }
    }

    /**
     * The cpu backend's FP32 attention pass with one output value of the last query set to NaN (its LSE
     * kept): the backend's own error names the query, 2 heads x 5 queries - 1 = 9, and NaN.
     */
    @Test
    void aBrokenCpuAttentionOutputIsNamed() {
        Backend b = new CpuBackend() {
            @Override
            protected void attentionPass(Tensor q, Tensor k, Tensor v, int nh, int tq, int tk, int d, int dv,
                                         double scale, int mask, boolean[] fast, Tensor out, Tensor lse) {
                super.attentionPass(q, k, v, nh, tq, tk, d, dv, scale, mask, fast, out, lse);
                out.set(out.size() - 2, Double.NaN);
            }
        };
        Tensor q = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 5 * 4, 1.0, 81), 2, 5, 4);
        Tensor k = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 5 * 4, 1.0, 82), 2, 5, 4);
        Tensor v = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 5 * 4, 1.0, 83), 2, 5, 4);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.attention(q, k, v, 0.5, org.gapscope.api.MaskAlignment.TOP_LEFT));
        assertTrue(e.getMessage().contains("attention: query 9 has finite input but its result is NaN"), e.getMessage());
    }

    /**
     * One number of the last token broken, in the last of three host batches (one token each): head 2's
     * log Z_h (-inf), the aggregate's log Z (NaN) or the mean's (+inf). Each is the backend's own error
     * naming token 2 and the value.
     */
    @Test
    void aBrokenGapTokenIsNamedByItsIndex() {
        String[] values = {"-Infinity", "NaN", "Infinity"};
        for (int which = 0; which < 3; which++) {
            int broken = which;
            int[] batches = {0};
            KernelBackend b = new KernelBackend("broken-token", KernelBackend.SEQUENTIAL, Chunks.STRIDED, 1000, 4099) {
                @Override
                protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                                         double[] logZ, double[] logZMean, long[] nonFinite) {
                    super.gapTokens(logits, extra, t0, n, h, v, logZHeads, logZ, logZMean, nonFinite);
                    if (++batches[0] < 3) {
                        return;
                    }
                    switch (broken) {
                        case 0 -> logZHeads[t0 * h + 2] = Double.NEGATIVE_INFINITY;
                        case 1 -> logZ[t0] = Double.NaN;
                        default -> logZMean[t0] = Double.POSITIVE_INFINITY;
                    }
                }
            }.batchElements(21); // 3 heads x 7: one token per batch
            Tensor x = Tensor.of(EquivalenceTest.gaussian(3 * 3 * 7, 1.0, 84), 3, 3, 7);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.jensenGap(x, null, null));
            assertTrue(e.getMessage().contains("jensenGap: token 2 has finite input but its result is " + values[which]),
                    e.getMessage());
        }
    }

    /** The control: unbroken, the same variant passes every check it is put through above. */
    @Test
    void theUnbrokenVariantsPass() throws Throwable {
        unbrokenPasses(new Broken("sound", SOUND, SOUND, SOUND));
        unbrokenPasses(new BrokenCpu(SOUND, SOUND));
    }

    static void unbrokenPasses(Backend b) throws Throwable {
        List<Executable> checks = new ArrayList<>();
        for (DType dtype : EquivalenceTest.DTYPES) {
            for (EquivalenceTest.Rows rows : EquivalenceTest.rowFamilies()) {
                checks.add(() -> EquivalenceTest.logSumExp(b, dtype, rows));
                checks.add(() -> EquivalenceTest.softmax(b, dtype, rows, false));
            }
            for (String family : EquivalenceTest.FAMILIES) {
                checks.add(() -> EquivalenceTest.attention(b, dtype, family));
                checks.add(() -> EquivalenceTest.jensenGap(b, dtype, family));
            }
        }
        for (Executable c : checks) {
            c.execute();
        }
        assertTrue(Arrays.asList(EquivalenceTest.DTYPES).contains(DType.F32));
    }
}
