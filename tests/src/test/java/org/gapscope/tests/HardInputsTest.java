package org.gapscope.tests;

import static org.gapscope.tests.EquivalenceTest.REF;
import static org.gapscope.tests.EquivalenceTest.close;
import static org.gapscope.tests.EquivalenceTest.gaussian;
import static org.gapscope.tests.EquivalenceTest.lseTol;
import static org.gapscope.tests.EquivalenceTest.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.GapResult;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.gapscope.kernels.Chunks;
import org.gapscope.tests.EquivalenceTest.Rows;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Inputs and shapes the equivalence harness's Gaussian families do not reach, on every registered
 * backend and on the kernel backends with a host batch of 100 elements (so that inputs span
 * many batches and every batch offset is used), against the reference:
 * <ul>
 *   <li>logits with |x| &gt; 700 (exp overflows or underflows without the max shift), temperatures
 *       below 1, rows of very different magnitude in one tensor;</li>
 *   <li>attention with more queries than keys under both causal alignments (fully masked queries),
 *       and with scores in the thousands;</li>
 *   <li>Jensen gap with per-token extra logits [B, V] that differ from token to token;</li>
 *   <li>top-k with tied scores and k near N.</li>
 * </ul>
 * Tolerances are the harness's (EquivalenceTest), with the magnitude of the data put in.
 */
class HardInputsTest {

    /** The registered backends plus cpu and grid with a host batch of {@code batch} elements. */
    static List<Backend> backends(int batch) {
        List<Backend> list = new ArrayList<>(EquivalenceTest.backendsUnderTest());
        list.add(new CpuBackend().batchElements(batch));
        list.add(new GridBackend().batchElements(batch));
        return list;
    }

    static String label(Backend b, int i, int registered) {
        return i < registered ? b.name() : b.name() + " (small batches)";
    }

    static List<Rows> hardRows() {
        List<Rows> list = new ArrayList<>();
        int v = 1031;
        double[] huge = gaussian(3 * v, 3.0, 51);
        for (int i = 0; i < v; i++) {
            huge[i] += 800;            // row 0: exp(x) overflows without the shift
            huge[v + i] -= 800;        // row 1: exp(x) underflows to 0 without the shift
            huge[2 * v + i] += (i % 2 == 0) ? 750 : -750; // row 2: both
        }
        list.add(new Rows("|x| > 700", new long[] {3, v}, huge, 1.0));
        list.add(new Rows("T = 0.05", new long[] {2, v}, gaussian(2 * v, 3.0, 52), 0.05));
        list.add(new Rows("T = 0.5 huge", new long[] {3, v}, huge.clone(), 0.5));
        int w = 37;
        double[] mixed = gaussian(8 * w, 1.0, 53);
        for (int i = 0; i < w; i++) {
            mixed[i] = mixed[i] * 3 + 1e4;                   // row 0: ~1e4
            mixed[w + i] *= 1e-6;                            // row 1: tiny
            mixed[2 * w + i] = -745;                         // row 2: constant, e^-745 is subnormal
            mixed[3 * w + i] = 710;                          // row 3: constant, e^710 overflows
            mixed[4 * w + i] = (i == 5) ? 900 : -900;        // row 4: one dominant logit
            mixed[6 * w + i] = Double.NEGATIVE_INFINITY;     // row 6: only -inf (row 5 plain)
        }
        mixed[7 * w + 3] = Double.NaN;                       // row 7: a NaN, in a later batch
        list.add(new Rows("mixed rows T = 0.7", new long[] {2, 4, w}, mixed, 0.7));
        // many rows of 37: with a batch of 100 elements, 2 rows per batch, +inf in a late batch; 41 rows, so
        // the last batch holds one row (a batch loop that runs past the rows reads beyond the input)
        double[] many = gaussian(41 * w, 2.0, 54);
        many[39 * w + 2] = Double.POSITIVE_INFINITY;
        many[20 * w + 2] = Double.NEGATIVE_INFINITY;
        list.add(new Rows("41 rows", new long[] {41, w}, many, 0.9));
        // finite FP32 inputs whose x/T overflows FP32 (but not FP64): row 0 at its maximum, row 1 at its
        // minimum; both are special rows (decided from the input), computed in FP64
        double[] big = gaussian(2 * w, 1.0, 55);
        big[5] = 2e38;
        big[w + 7] = -2e38;
        list.add(new Rows("x/T beyond FP32", new long[] {2, w}, big, 0.25));
        // one dominant logit among -900s, in rows longer than the grid backend's chunk (several strided
        // chunks): a maximum taken over the wrong elements leaves exp(x/T - m) to overflow
        int n = 2053;
        double[] spikes = new double[4 * n];
        java.util.Arrays.fill(spikes, -900);
        int[] at = {2000, 1, 1027, n - 1};
        for (int r = 0; r < 4; r++) {
            spikes[r * n + at[r]] = 900;
        }
        list.add(new Rows("spikes", new long[] {4, n}, spikes, 0.8));
        return list;
    }

    @TestFactory
    Stream<DynamicNode> hardInputsOnEveryBackend() {
        List<DynamicNode> out = new ArrayList<>();
        int registered = EquivalenceTest.backendsUnderTest().size();
        List<Backend> backends = backends(100); // attention: 1-2 heads per batch; rows of 37: 2 per batch
        for (int bi = 0; bi < backends.size(); bi++) {
            Backend b = backends.get(bi);
            String name = label(b, bi, registered);
            List<DynamicNode> tests = new ArrayList<>();
            for (DType dtype : EquivalenceTest.DTYPES) {
                for (Rows rows : hardRows()) {
                    String tag = dtype + " " + rows.family();
                    tests.add(DynamicTest.dynamicTest("logSumExp " + tag, () -> EquivalenceTest.logSumExp(b, dtype, rows)));
                    tests.add(DynamicTest.dynamicTest("softmax " + tag, () -> EquivalenceTest.softmax(b, dtype, rows, false)));
                    tests.add(DynamicTest.dynamicTest("logSoftmax " + tag, () -> EquivalenceTest.softmax(b, dtype, rows, true)));
                }
                tests.add(DynamicTest.dynamicTest("attention Tq > Tk " + dtype, () -> moreQueriesThanKeys(b, dtype)));
                tests.add(DynamicTest.dynamicTest("attention huge scores " + dtype, () -> hugeScores(b, dtype)));
                tests.add(DynamicTest.dynamicTest("attention non-finite heads " + dtype, () -> nonFiniteHeads(b, dtype)));
                tests.add(DynamicTest.dynamicTest("logSumExp x/T beyond FP64", () -> beyondFp64(b)));
                tests.add(DynamicTest.dynamicTest("attention beyond FP32 " + dtype, () -> beyondFp32Heads(b, dtype)));
                tests.add(DynamicTest.dynamicTest("jensenGap per-token extra " + dtype, () -> gapPerTokenExtra(b, dtype)));
            }
            tests.add(DynamicTest.dynamicTest("top-k ties and k near N", () -> topK(b)));
            out.add(DynamicContainer.dynamicContainer(name, tests));
        }
        return out.stream();
    }

    /**
     * F64 rows whose x/T overflows FP64 (x = +-1e308, T = 0.25): special rows, decided from the input.
     * The true LSE of row 0 is beyond FP64 (+inf); row 1's -4e308 term adds nothing: log(1 + e^4).
     */
    static void beyondFp64(Backend b) {
        Tensor x = Tensor.of(new double[] {1e308, 0, 1, -1e308, 0, 1}, 2, 3);
        double[] e = REF.logSumExp(x, 0.25);
        double[] a = b.logSumExp(x, 0.25);
        assertEquals(Double.POSITIVE_INFINITY, e[0], 0.0);
        assertEquals(Math.log(1 + Math.exp(4)), e[1], 1e-15);
        assertArrayEquals(e, a, 1e-15, b.name() + " logSumExp x/T beyond FP64");
    }

    /**
     * Five heads in one host batch, three of them holding a non-finite input: a NaN in head 1's Q, +inf in
     * head 3's K, -inf in head 4's V. Those heads follow the special path, every other head the fast one,
     * so each head's inputs must be checked at its own offset: a finite head checked at another head's
     * offset would take the special path (no error, but then a non-finite head took the fast one and
     * failed or differed), and the results must equal the reference's, NaN and infinities included.
     */
    static void nonFiniteHeads(Backend b, DType dtype) {
        int heads = 5;
        int tq = 4;
        int tk = 6;
        int d = 3;
        int dv = 2;
        double[] qa = gaussian(heads * tq * d, 1.0, 64);
        double[] ka = gaussian(heads * tk * d, 1.0, 65);
        double[] va = gaussian(heads * tk * dv, 1.0, 66);
        qa[(1 * tq + 2) * d + 1] = Double.NaN;
        ka[(3 * tk + 5) * d] = Double.POSITIVE_INFINITY;
        va[(4 * tk + 1) * dv + 1] = Double.NEGATIVE_INFINITY;
        againstTheReference(b, dtype, "non-finite heads", new int[] {heads, tq, tk, d, dv}, qa, ka, va, 0.6);
    }

    /**
     * Finite inputs whose FP32 arithmetic would overflow, one kind per head after a plain head 0: head 1's
     * q and k of ~1e20 (scores ~1e40), head 2's zero queries (every weight 1) over values of 1e37 (a
     * block's P V sum beyond 3.4e38). A backend that computes in FP32 must decide from the input that those
     * heads need FP64, each head by its own values; the results equal the reference's.
     */
    static void beyondFp32Heads(Backend b, DType dtype) {
        int heads = 3;
        int tq = 5;
        int tk = 130;
        int d = 4;
        int dv = 2;
        double[] qa = gaussian(heads * tq * d, 1.0, 67);
        double[] ka = gaussian(heads * tk * d, 1.0, 68);
        double[] va = gaussian(heads * tk * dv, 1.0, 69);
        for (int i = 0; i < tq * d; i++) {
            qa[tq * d + i] *= 1e20;
            qa[2 * tq * d + i] = 0;
        }
        for (int i = 0; i < tk * d; i++) {
            ka[tk * d + i] *= 1e20;
        }
        for (int i = 0; i < tk * dv; i++) {
            va[2 * tk * dv + i] = 1e37;
        }
        againstTheReference(b, dtype, "beyond FP32", new int[] {heads, tq, tk, d, dv}, qa, ka, va, 0.5);
    }

    /**
     * Attention of q, k, v (shape {heads, tq, tk, d, dv}) on {@code b} against the reference under both
     * mask alignments, out and LSE within the harness's bound; returns b's results by alignment.
     */
    static java.util.Map<MaskAlignment, AttentionResult> againstTheReference(Backend b, DType dtype, String what,
                                                                            int[] shape, double[] qa, double[] ka,
                                                                            double[] va, double scale) {
        int heads = shape[0];
        int tq = shape[1];
        int tk = shape[2];
        int d = shape[3];
        int dv = shape[4];
        Tensor q = tensor(dtype, qa, heads, tq, d);
        Tensor k = tensor(dtype, ka, heads, tk, d);
        Tensor v = tensor(dtype, va, heads, tk, dv);
        double tol = EquivalenceTest.attentionTol(dtype, qa, ka, va, heads, tq, tk, d, dv, scale);
        java.util.Map<MaskAlignment, AttentionResult> results = new java.util.EnumMap<>(MaskAlignment.class);
        for (MaskAlignment mask : MaskAlignment.values()) {
            AttentionResult e = REF.attention(q, k, v, scale, mask);
            AttentionResult a = b.attention(q, k, v, scale, mask);
            String w = b.name() + " attention " + what + " " + mask;
            close(w + " lse", e.lse().toDoubles(), a.lse().toDoubles(), tol);
            close(w + " out", e.out().toDoubles(), a.out().toDoubles(), tol);
            results.put(mask, a);
        }
        return results;
    }

    /**
     * Tq = 9 queries, Tk = 4 keys: under BOTTOM_RIGHT queries 0..4 see no key (LSE -inf, output 0);
     * under TOP_LEFT query i sees min(i + 1, 4) keys. Three heads and a value width of 3, so that a
     * head offset computed with Tq in place of Tk (or the reverse) reads the wrong rows.
     */
    static void moreQueriesThanKeys(Backend b, DType dtype) {
        int heads = 3;
        int tq = 9;
        int tk = 4;
        int d = 5;
        int dv = 3;
        double[] qa = gaussian(heads * tq * d, 1.0, 61);
        double[] ka = gaussian(heads * tk * d, 1.0, 62);
        double[] va = gaussian(heads * tk * dv, 1.0, 63);
        java.util.Map<MaskAlignment, AttentionResult> results =
                againstTheReference(b, dtype, "Tq > Tk", new int[] {heads, tq, tk, d, dv}, qa, ka, va, 0.4);
        for (MaskAlignment mask : MaskAlignment.values()) {
            AttentionResult a = results.get(mask);
            String w = b.name() + " attention Tq > Tk " + mask;
            assertArrayEquals(new long[] {heads, tq, dv}, a.out().shape(), w + " out shape");
            assertArrayEquals(new long[] {heads, tq}, a.lse().shape(), w + " lse shape");
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tq; i++) {
                    boolean masked = mask == MaskAlignment.BOTTOM_RIGHT && i < tq - tk;
                    double lse = a.lse().get((long) h * tq + i);
                    assertEquals(masked, lse == Double.NEGATIVE_INFINITY, w + " head " + h + " query " + i + " lse " + lse);
                    for (int c = 0; c < dv; c++) {
                        if (masked) {
                            assertEquals(0.0, a.out().get(((long) h * tq + i) * dv + c), 0.0, w + " masked output");
                        }
                    }
                }
            }
        }
        // a query that sees one key returns that key's value exactly (weights 1), LSE = its score
        AttentionResult one = results.get(MaskAlignment.TOP_LEFT);
        Tensor v = tensor(dtype, va, heads, tk, dv);
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < dv; c++) {
                assertEquals(v.get((long) h * tk * dv + c), one.out().get((long) h * tq * dv + c), 1e-12,
                        b.name() + " query 0 of head " + h + " sees key 0 only");
            }
        }
    }

    /**
     * Scores in the thousands: q and k with entries ~ 30 and scale 0.3 give |s| up to ~3000, so exp
     * without the running maximum overflows. Every backend forms each score from the same input
     * values; a score of d products carries at most (d + 2) u (F32 arithmetic, or FP64) times
     * S = max sum_c |q_c k_c| scale, the LSE inherits that error, the weights twice it as a relative
     * error, the outputs |v| times that: {@link ErrorBounds#attention} with this S, which must be large.
     */
    static void hugeScores(Backend b, DType dtype) {
        int heads = 2;
        int tq = 7;
        int tk = 11;
        int d = 6;
        int dv = 4;
        double[] qa = gaussian(heads * tq * d, 30.0, 64);
        double[] ka = gaussian(heads * tk * d, 30.0, 65);
        Tensor q = tensor(dtype, qa, heads, tq, d);
        Tensor k = tensor(dtype, ka, heads, tk, d);
        double scale = 0.3;
        double[] va = gaussian(heads * tk * dv, 1.0, 66);
        Tensor v = tensor(dtype, va, heads, tk, dv);
        double tol = EquivalenceTest.attentionTol(dtype, qa, ka, va, heads, tq, tk, d, dv, scale);
        assertTrue(tol > ErrorBounds.attention(dtype, d, tk, 1000, EquivalenceTest.maxAbs(va)), "scores reach the thousands: tol " + tol);
        for (MaskAlignment mask : MaskAlignment.values()) {
            AttentionResult e = REF.attention(q, k, v, scale, mask);
            AttentionResult a = b.attention(q, k, v, scale, mask);
            String w = b.name() + " attention huge scores " + mask;
            close(w + " lse", e.lse().toDoubles(), a.lse().toDoubles(), tol);
            close(w + " out", e.out().toDoubles(), a.out().toDoubles(), tol);
        }
    }

    /**
     * Per-token extra logits [B, V], a different row for each token, logits far from 0 (|x| ~ 700):
     * against the reference, and against the closed form for one head with zero logits, where
     * log Z_t = LSE(extra row t) and Gamma_t = log V - log Z_t: a backend that reads row 0 (or row t - 1)
     * for token t is off by the rows' difference (here 0.5 per token).
     */
    static void gapPerTokenExtra(Backend b, DType dtype) {
        int tokens = 9;
        int h = 3;
        int v = 53;
        double[] logits = gaussian(tokens * h * v, 2.5, 71);
        double[] extra = gaussian(tokens * v, 1.0, 72);
        for (int t = 0; t < tokens; t++) {
            for (int hh = 0; hh < h; hh++) {
                for (int y = 0; y < v; y++) {
                    logits[(t * h + hh) * v + y] += (hh % 2 == 0 ? 700 : -700) + 3 * t;
                }
            }
            for (int y = 0; y < v; y++) {
                extra[t * v + y] += 120 * t; // up to 960: e^(L - m) overflows if the maximum leaves the extra logits out
            }
        }
        logits[(7 * h + 1) * v + 4] = Double.POSITIVE_INFINITY; // token 7: +inf, in a later batch
        int[] targets = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            targets[t] = (5 * t + 1) % v;
        }
        Tensor l = tensor(dtype, logits, tokens, h, v);
        Tensor ex = tensor(dtype, extra, tokens, v);
        double maxAbs = EquivalenceTest.maxAbs(logits) * h + EquivalenceTest.maxAbs(extra);
        double tolZ = lseTol(dtype, v, maxAbs);
        double tolGamma = ErrorBounds.gamma(h, tolZ);
        GapResult e = REF.jensenGap(l, ex, targets);
        GapResult a = b.jensenGap(l, ex, targets);
        String w = b.name() + " jensenGap per-token extra";
        assertArrayEquals(e.nonFinite(), a.nonFinite(), w + " nonFinite");
        close(w + " logZHeads", e.logZHeads(), a.logZHeads(), tolZ);
        close(w + " logZ", e.logZ(), a.logZ(), tolZ);
        close(w + " gamma", e.gamma(), a.gamma(), tolGamma);
        close(w + " gammaJ", e.gammaJ(), a.gammaJ(), tolGamma);
        close(w + " ledger", e.ledger(), a.ledger(), tolGamma);

        // spikes: one logit of 900 among -900s per head and token, V over several strided chunks
        int vs = 2053;
        double[] spiky = new double[2 * h * vs];
        java.util.Arrays.fill(spiky, -900);
        double[] spikyExtra = new double[2 * vs];
        for (int t = 0; t < 2; t++) {
            for (int hh = 0; hh < h; hh++) {
                spiky[(t * h + hh) * vs + (t == 0 ? 2000 - 17 * hh : 3 + 1000 * hh)] = 900;
            }
            spikyExtra[t * vs + 1500 + t] = 2900; // the aggregate's maximum sits in the extra logits
        }
        Tensor ls = tensor(dtype, spiky, 2, h, vs);
        Tensor es = tensor(dtype, spikyExtra, 2, vs);
        double tolS = lseTol(dtype, vs, 900.0 * h + 2900);
        GapResult se = REF.jensenGap(ls, es, null);
        GapResult sa = b.jensenGap(ls, es, null);
        close(w + " spikes logZHeads", se.logZHeads(), sa.logZHeads(), tolS);
        close(w + " spikes logZ", se.logZ(), sa.logZ(), tolS);
        close(w + " spikes gammaJ", se.gammaJ(), sa.gammaJ(), ErrorBounds.gamma(h, tolS));

        // mixed dtypes: F32 logits with F64 extra logits and the reverse (the fast F32 pass must not read
        // an F64 tensor as floats)
        DType other = dtype == DType.F32 ? DType.F64 : DType.F32;
        Tensor exOther = tensor(other, extra, tokens, v);
        GapResult mixedE = REF.jensenGap(l, exOther, targets);
        GapResult mixedA = b.jensenGap(l, exOther, targets);
        close(w + " extra in " + other + " logZ", mixedE.logZ(), mixedA.logZ(), lseTol(DType.F32, v, maxAbs));
        close(w + " extra in " + other + " gamma", mixedE.gamma(), mixedA.gamma(),
                ErrorBounds.gamma(h, lseTol(DType.F32, v, maxAbs)));

        // closed form: one head of zeros, extra row t = (t / 2) * (1, 0, 0, ...): log Z_t = log(e^(t/2) + V - 1)
        int vv = 5;
        double[] rows = new double[tokens * vv];
        for (int t = 0; t < tokens; t++) {
            rows[t * vv] = 0.5 * t;
        }
        GapResult c = b.jensenGap(tensor(dtype, new double[tokens * vv], tokens, 1, vv), tensor(dtype, rows, tokens, vv), null);
        for (int t = 0; t < tokens; t++) {
            double logZ = Math.log(Math.exp(0.5 * t) + vv - 1);
            assertEquals(logZ, c.logZ()[t], 1e-6, w + " closed form log Z of token " + t);
            assertEquals(Math.log(vv) - logZ, c.gamma()[t], 1e-6, w + " closed form Gamma of token " + t);
        }
    }

    /**
     * Top-k with ties: uniform scores on [1, 1 + 4 ulp] take five values, hundreds of distractors each,
     * and s = 1 + 4 ulp ties with the largest. s takes part when fewer than k distractors exceed it,
     * so a tie keeps it in; p = 1 / k then up to the 4 ulp spread (|p - 1/k| &lt; 1e-14). k near N:
     * k = N - 1, N, N + 1 keep every distractor (k = N - 1: the smallest gives way to s), k &ge; N is
     * the plain softmax.
     */
    static void topK(Backend b) {
        double ulp = Math.ulp(1.0);
        Law ties = Law.uniform(1.0, 1.0 + 4 * ulp);
        double s = 1.0 + 4 * ulp;
        for (long n : new long[] {1000, 70001}) {
            for (int k : new int[] {1, 10}) {
                CrowdingSpec spec = new CrowdingSpec(n, s, ties, 2, 0, 9, new Mitigation(Mitigation.Kind.TOP_K, k));
                CrowdingResult e = REF.crowding(spec);
                CrowdingResult a = b.crowding(spec);
                close(b.name() + " top-k ties " + spec + " p", e.p(), a.p(), ErrorBounds.CROWDING);
                close(b.name() + " top-k ties " + spec + " lse", e.logSumDistractors(), a.logSumDistractors(),
                        ErrorBounds.CROWDING);
                for (double p : a.p()) {
                    assertEquals(1.0 / k, p, 1e-14, b.name() + " tied top-" + k + " keeps s");
                }
            }
            // a tie just above s: s is out when k distractors exceed it
            CrowdingSpec out = new CrowdingSpec(n, 1.0, ties, 2, 0, 9, new Mitigation(Mitigation.Kind.TOP_K, 10));
            for (double p : b.crowding(out).p()) {
                assertEquals(0.0, p, 0.0, b.name() + " s below the 10 largest");
            }
        }
        for (long n : new long[] {5, 70001}) {
            CrowdingSpec plain = new CrowdingSpec(n, 0.3, Law.gaussian(0, 1), 2, 1, 11, Mitigation.NONE);
            double[] pPlain = REF.crowding(plain).p();
            for (long k : new long[] {n - 1, n, n + 1}) {
                CrowdingSpec spec = new CrowdingSpec(n, 0.3, Law.gaussian(0, 1), 2, 1, 11,
                        new Mitigation(Mitigation.Kind.TOP_K, k));
                CrowdingResult e = REF.crowding(spec);
                CrowdingResult a = b.crowding(spec);
                String w = b.name() + " top-" + k + " of N = " + n;
                close(w + " p", e.p(), a.p(), ErrorBounds.CROWDING);
                close(w + " lse", e.logSumDistractors(), a.logSumDistractors(), ErrorBounds.CROWDING);
                if (k >= n) {
                    close(w + " is the plain softmax", pPlain, a.p(), ErrorBounds.CROWDING);
                } else {
                    for (int r = 0; r < 2; r++) {
                        assertTrue(a.p()[r] > pPlain[r], w + ": dropping the smallest distractor raises p");
                    }
                }
            }
        }
    }

    /**
     * The harness's N = 131074 crowding case is there for the odd chunk start: 131073 distractors in
     * chunks of the cpu backend's length make 3 chunks, the second starting at an odd index (the second
     * half of a Gaussian pair), every chunk's count odd. If the chunk length changes, the case must move.
     */
    @Test
    void theOddChunkStartCaseStillHasAnOddChunkStart() {
        long distractors = 131074 - 1;
        int chunks = (int) ((distractors + CpuBackend.CROWDING_CHUNK - 1) / CpuBackend.CROWDING_CHUNK);
        assertEquals(3, chunks);
        assertEquals(1, Chunks.start(distractors, chunks, 1, Chunks.CONTIGUOUS) % 2, "second chunk starts odd");
        for (int c = 0; c < chunks; c++) {
            assertEquals(1, Chunks.count(distractors, chunks, c, Chunks.CONTIGUOUS) % 2, "chunk " + c + " count odd");
        }
    }
}
