package org.gapscope.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/**
 * Pins every number of P1's micro-transformer example. Computed values are compared at 1e-9: they are
 * closed-form expressions of a few exponentials evaluated in FP64 (errors ~1e-15), and the pinned
 * decimals were derived independently (by hand / numpy) to 10 digits.
 */
class MicroTransformerTest {
    static final double PIN = 1e-9;
    final MicroTransformer.Result r = MicroTransformer.run(new ReferenceBackend());

    @Test
    void endToEndAttentionFromTheWeights() {
        // at t = 3 ("brown") the scaled scores are (0, 0, 1/sqrt 2) for both heads
        double e = Math.exp(1 / Math.sqrt(2));
        double[] alpha = {1 / (2 + e), 1 / (2 + e), e / (2 + e)};
        for (int h = 0; h < 2; h++) {
            assertArrayEquals(alpha, r.heads().attentionWeights()[h], PIN);
        }
        assertArrayEquals(new double[] {0, 3 * alpha[2]}, r.heads().headOutputs()[0], PIN);
        assertArrayEquals(new double[] {1.2 * alpha[2], 0}, r.heads().headOutputs()[1], PIN);
        assertArrayEquals(new double[] {0, 0, 0, 0, 3 * alpha[2], 0}, r.heads().headLogits()[0], PIN);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 1.2 * alpha[2]}, r.heads().headLogits()[1], PIN);
        assertEquals(1.5104695305, r.heads().headLogits()[0][MicroTransformer.FOX], PIN);
    }

    @Test
    void asPrintedQuantities() {
        MicroTransformer.Variant v = r.printed();
        double z1 = 5 + Math.exp(1.5);
        double z2 = 5 + Math.exp(0.6);
        assertEquals(Math.exp(1.5) / z1, v.pi1()[MicroTransformer.FOX], PIN);
        assertEquals(0.4726677955, v.pi1()[MicroTransformer.FOX], PIN);
        assertEquals(0.2670898666, v.pi2()[MicroTransformer.DOG], PIN);
        assertEquals(1.8942001470, v.gammaWithFfn(), PIN);
        assertEquals(Math.log(z1) + Math.log(z2) - Math.log(4 + Math.exp(1.5) + Math.exp(0.6)), v.gammaTheorem5(), PIN);
        assertEquals(1.8370190474, v.gammaTheorem5(), PIN);
        assertEquals(0.3096249111, v.uniformMixture()[MicroTransformer.FOX], PIN);
        assertArrayEquals(new double[] {0.7013091657, 0.3115714662}, v.attribution().alpha(), 1e-8);
        assertEquals(0.0315915453, v.attribution().residualNorm(), 1e-8);
        assertEquals(0.3771570423, v.attribution().projection()[MicroTransformer.FOX], 1e-8);
    }

    /** Which printed numbers hold: the statuses are part of the contract (docs/REPRODUCTION.md). */
    @Test
    void statusOfEveryPrintedNumber() {
        Map<String, MicroTransformer.Status> got = new LinkedHashMap<>();
        for (MicroTransformer.Check c : r.checks()) {
            got.put(c.quantity(), c.status());
        }
        MicroTransformer.Status ok = MicroTransformer.Status.REPRODUCED;
        MicroTransformer.Status differs = MicroTransformer.Status.DIFFERS;
        Map<String, MicroTransformer.Status> want = new LinkedHashMap<>();
        want.put("l^(1)_fox (head 1 logit for fox)", ok);
        want.put("l^(2)_dog (head 2 logit for dog)", ok);
        for (String y : MicroTransformer.VOCAB) {
            want.put("Pi_" + y + " = softmax(L)_" + y, ok);
        }
        want.put("Gamma with the feed-forward logits (log Z of the printed L)", ok);
        want.put("Gamma by Theorem 5's definition (L = l^(1) + l^(2))", differs);
        want.put("pi^(1)_fox", differs);
        want.put("pi^(2)_dog", differs);
        want.put("uniform mixture, fox", ok);
        want.put("alpha_1 = (P^+ Pi)_1", differs);
        want.put("alpha_2 = (P^+ Pi)_2", differs);
        want.put("Pi-hat_fox = (P alpha)_fox", differs);
        assertEquals(want, got);
    }
}
