package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gapscope.api.Attribution;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Mitigation;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input on every backend (reference included): each op refuses it with an {@link InputException}
 * whose message is the one line the CLI prints, naming the input and the problem. The messages are
 * compared exactly, so a check that is dropped, loosened or moved to another input fails here.
 */
class ValidationTest {

    static List<Backend> backends() {
        return Backends.all().stream().filter(Backend::available).toList();
    }

    /** The op throws InputException with exactly this one-line message. */
    static void refuses(String expected, Executable op) {
        InputException e = assertThrows(InputException.class, op, expected);
        assertEquals(expected, e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    static final double[] BAD_TEMPERATURES = {0.0, -0.0, -1.5, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY};

    @TestFactory
    Stream<DynamicNode> everyBackendRefusesBadInputWithOneLine() {
        List<DynamicNode> tests = new ArrayList<>();
        for (Backend b : backends()) {
            tests.add(DynamicTest.dynamicTest(b.name() + " temperatures", () -> temperatures(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " row shapes", () -> rowShapes(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " attention shapes", () -> attentionShapes(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " gap shapes", () -> gapShapes(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " mixture", () -> mixture(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " attribution", () -> attribution(b)));
            tests.add(DynamicTest.dynamicTest(b.name() + " positional", () -> refuses(
                    "positional: no frequencies (m = 0)", () -> b.positional(new double[0], new double[] {1}))));
        }
        assertTrue(tests.size() >= 21, "reference, cpu and grid at least");
        return tests.stream();
    }

    /**
     * A crowding point whose chunks times repetitions exceed one launch (2^42 distractors, 64 repetitions):
     * the one-line error, from crowding and from every part of crowdingStates, before anything is drawn.
     * The chunked backends only (the reference draws without chunks: no such limit).
     */
    @Test
    void aCrowdingPointBeyondOneLaunchIsRefusedBeforeAnyDraw() {
        org.gapscope.api.CrowdingSpec spec = new org.gapscope.api.CrowdingSpec(1L << 42, 3.0,
                org.gapscope.api.Law.gaussian(0, 1), 64, 0, 1, org.gapscope.api.Mitigation.NONE);
        String expected = "crowding: 64 repetitions of N = " + (1L << 42) + " exceed one launch";
        for (Backend b : List.of(Backends.select("cpu"), new GridBackend())) {
            refuses(expected, () -> b.crowding(spec));
            refuses(expected, () -> b.crowdingStates(spec, 1, 3));
        }
    }

    /** Top-k keeps a whole number of scores: k = 2.5 is refused (1 and 10^6 are whole). */
    @Test
    void topKTakesAWholeNumber() {
        refuses("mitigation top_k: k must be a whole number, got 2.5",
                () -> new org.gapscope.api.Mitigation(org.gapscope.api.Mitigation.Kind.TOP_K, 2.5));
        assertEquals(1e6, new org.gapscope.api.Mitigation(org.gapscope.api.Mitigation.Kind.TOP_K, 1e6).value(), 0.0);
        assertEquals(1, new org.gapscope.api.Mitigation(org.gapscope.api.Mitigation.Kind.TOP_K, 1).value(), 0.0);
    }

    /** 0, -0, negative, NaN and +-inf on every op that takes a temperature; the smallest positive passes. */
    static void temperatures(Backend b) {
        Tensor x = Tensor.of(new double[] {0.5, -1, 2, 3}, 2, 2);
        for (double t : BAD_TEMPERATURES) {
            String msg = "temperature must be a finite number > 0, got " + t;
            refuses(msg, () -> b.logSumExp(x, t));
            refuses(msg, () -> b.softmax(x, t));
            refuses(msg, () -> b.logSoftmax(x, t));
            // the temperature mitigation of the crowding simulation
            refuses("mitigation temperature: value must be > 0, got " + t,
                    () -> b.crowding(new CrowdingSpec(10, 1.0, Law.gaussian(0, 1), 1, 0, 1,
                            new Mitigation(Mitigation.Kind.TEMPERATURE, t))));
        }
        // a tiny but valid temperature: 1e-300 turns 0.5 into 5e299, finite, so the LSE is the max
        double[] l = b.logSumExp(Tensor.of(new double[] {0.5, -1}, 2), 1e-300);
        assertEquals(0.5e300, l[0], 0.5e300 * 1e-15, b.name());
        double[] hot = b.logSumExp(Tensor.of(new double[] {0.5, -1}, 2), Double.MAX_VALUE);
        assertEquals(Math.log(2), hot[0], 1e-12, b.name() + " T = MAX_VALUE: every x/T is ~0");
    }

    static void rowShapes(Backend b) {
        Tensor empty = Tensor.of(new double[0], 3, 0);
        refuses("logSumExp: the last dimension (V) is empty", () -> b.logSumExp(empty, 1));
        refuses("softmax: the last dimension (V) is empty", () -> b.softmax(empty, 1));
        refuses("logSoftmax: the last dimension (V) is empty", () -> b.logSoftmax(empty, 1));
        Tensor scalar = Tensor.of(new double[] {1});
        refuses("logSumExp: needs at least one dimension", () -> b.logSumExp(scalar, 1));
        refuses("softmax: needs at least one dimension", () -> b.softmax(scalar, 1));
        refuses("logSoftmax: needs at least one dimension", () -> b.logSoftmax(scalar, 1));
    }

    static void attentionShapes(Backend b) {
        Tensor q = Tensor.of(new double[6], 2, 3);
        Tensor k = Tensor.of(new double[12], 4, 3);
        Tensor v = Tensor.of(new double[8], 4, 2);
        Tensor vector = Tensor.of(new double[3], 3);
        refuses("attention: q, k, v need the same rank >= 2, got " + vector + ", " + vector + ", " + vector,
                () -> b.attention(vector, vector, vector, 1, MaskAlignment.NONE));
        Tensor k3 = Tensor.of(new double[12], 1, 4, 3);
        refuses("attention: q, k, v need the same rank >= 2, got " + q + ", " + k3 + ", " + v,
                () -> b.attention(q, k3, v, 1, MaskAlignment.NONE));
        Tensor v3 = Tensor.of(new double[8], 1, 4, 2);
        refuses("attention: q, k, v need the same rank >= 2, got " + q + ", " + k + ", " + v3,
                () -> b.attention(q, k, v3, 1, MaskAlignment.NONE));
        Tensor kBadD = Tensor.of(new double[8], 4, 2);
        refuses("attention: shapes do not compose: q " + q + ", k " + kBadD + ", v " + v,
                () -> b.attention(q, kBadD, v, 1, MaskAlignment.NONE));
        Tensor vBadT = Tensor.of(new double[6], 3, 2);
        refuses("attention: shapes do not compose: q " + q + ", k " + k + ", v " + vBadT,
                () -> b.attention(q, k, vBadT, 1, MaskAlignment.NONE));
        Tensor q2 = Tensor.of(new double[12], 2, 2, 3);
        Tensor k1 = Tensor.of(new double[12], 1, 4, 3);
        Tensor v2 = Tensor.of(new double[16], 2, 4, 2);
        Tensor v1 = Tensor.of(new double[8], 1, 4, 2);
        Tensor k2 = Tensor.of(new double[24], 2, 4, 3);
        refuses("attention: leading dimensions of q, k, v differ", () -> b.attention(q2, k1, v2, 1, MaskAlignment.NONE));
        refuses("attention: leading dimensions of q, k, v differ", () -> b.attention(q2, k2, v1, 1, MaskAlignment.NONE));
        // the valid shapes pass
        assertEquals(4, b.attention(q2, k2, v2, 1, MaskAlignment.NONE).lse().size()); // 2 heads x 2 queries
    }

    static void gapShapes(Backend b) {
        refuses("logits: expected shape HxV or BxHxV, got rank 1",
                () -> b.jensenGap(Tensor.of(new double[4], 4), null, null));
        refuses("logits: expected shape HxV or BxHxV, got rank 4",
                () -> b.jensenGap(Tensor.of(new double[4], 1, 1, 2, 2), null, null));
        refuses("logits: no tokens (B = 0)", () -> b.jensenGap(Tensor.of(new double[0], 0, 2, 2), null, null));
        refuses("logits: no heads (H = 0)", () -> b.jensenGap(Tensor.of(new double[0], 2, 0, 2), null, null));
        refuses("logits: no heads (H = 0)", () -> b.jensenGap(Tensor.of(new double[0], 0, 5), null, null));
        refuses("logits: empty vocabulary (V = 0)", () -> b.jensenGap(Tensor.of(new double[0], 2, 0), null, null));
        Tensor l = Tensor.of(new double[12], 2, 2, 3);
        refuses("extra logits: shape [4] does not match logits' B=2, V=3 (expected V or BxV)",
                () -> b.jensenGap(l, Tensor.of(new double[4], 4), null));
        refuses("extra logits: shape [3, 3] does not match logits' B=2, V=3 (expected V or BxV)",
                () -> b.jensenGap(l, Tensor.of(new double[9], 3, 3), null));
        refuses("extra logits: shape [1, 2, 3] does not match logits' B=2, V=3 (expected V or BxV)",
                () -> b.jensenGap(l, Tensor.of(new double[6], 1, 2, 3), null));
        refuses("targets: 1 given for 2 tokens", () -> b.jensenGap(l, null, new int[] {0}));
        refuses("target -1 is outside the vocabulary [0, 3)", () -> b.jensenGap(l, null, new int[] {0, -1}));
        refuses("target 3 is outside the vocabulary [0, 3)", () -> b.jensenGap(l, null, new int[] {3, 0}));
        // the edges that are valid: targets 0 and V - 1, extra [V] and [B, V]
        assertEquals(2, b.jensenGap(l, Tensor.of(new double[3], 3), new int[] {0, 2}).tokens());
        assertEquals(2, b.jensenGap(l, Tensor.of(new double[6], 2, 3), new int[] {2, 0}).tokens());
    }

    static void mixture(Backend b) {
        Tensor x = Tensor.of(new double[] {0.1, 0.7, -0.3, 0.4, 0.2, 0.0}, 2, 3);
        double[] half = {0.5, 0.5};
        refuses("mixture: logits must be HxV for one token, got rank 3",
                () -> b.mixtureGaps(Tensor.of(new double[6], 1, 2, 3), half, 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: no heads (H = 0)",
                () -> b.mixtureGaps(Tensor.of(new double[0], 0, 3), new double[0], 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: 3 weights for 2 heads",
                () -> b.mixtureGaps(x, new double[] {0.2, 0.3, 0.5}, 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: weights must be > 0, got 0.0",
                () -> b.mixtureGaps(x, new double[] {0.0, 1.0}, 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: weights must be > 0, got NaN",
                () -> b.mixtureGaps(x, new double[] {Double.NaN, 1.0}, 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: weights must sum to 1, they sum to 0.9",
                () -> b.mixtureGaps(x, new double[] {0.5, 0.4}, 0, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: target -1 is outside [0, 3)", () -> b.mixtureGaps(x, half, -1, MixtureGaps.Score.LOG, Double.NaN));
        refuses("mixture: target 3 is outside [0, 3)", () -> b.mixtureGaps(x, half, 3, MixtureGaps.Score.LOG, Double.NaN));
        // weights summing to 1 within 1e-9 pass; target V - 1 passes
        b.mixtureGaps(x, new double[] {0.5, 0.5 + 5e-10}, 2, MixtureGaps.Score.LOG, Double.NaN);
        for (MixtureGaps.Score score : MixtureGaps.Score.values()) {
            double cMax = b.mixtureGaps(x, half, 0, score, Double.NaN).c();
            // c = max S passes and is used as given; anything below it is refused
            assertEquals(cMax, b.mixtureGaps(x, half, 0, score, cMax).c(), 0.0, score + " c = max S");
            assertEquals(cMax + 1, b.mixtureGaps(x, half, 0, score, cMax + 1).c(), 0.0, score + " c above max S");
            double below = Math.nextDown(cMax);
            refuses("mixture: c = " + below + " is below max S(pi^(h), y) = " + cMax,
                    () -> b.mixtureGaps(x, half, 0, score, below));
        }
    }

    static void attribution(Backend b) {
        refuses("attribution: no head distributions (H = 0)", () -> b.attribution(new double[0][], new double[] {1}));
        refuses("attribution: head 1 has 2 probabilities but the aggregate has 3",
                () -> b.attribution(new double[][] {{0.2, 0.3, 0.5}, {0.5, 0.5}}, new double[] {0.2, 0.3, 0.5}));
        refuses("attribution: head 0 has 4 probabilities but the aggregate has 3",
                () -> b.attribution(new double[][] {{0.2, 0.3, 0.4, 0.1}}, new double[] {0.2, 0.3, 0.5}));
        Attribution a = b.attribution(new double[][] {{0.2, 0.3, 0.5}}, new double[] {0.2, 0.3, 0.5});
        assertEquals(1.0, a.alpha()[0], 1e-12);
    }
}
