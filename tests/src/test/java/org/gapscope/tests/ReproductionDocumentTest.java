package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gapscope.reference.ReferenceBackend;
import org.gapscope.reproduce.Reproduction;
import org.junit.jupiter.api.Test;

/** docs/REPRODUCTION.md is what `gapscope reproduce` writes, and its key numbers are pinned here. */
class ReproductionDocumentTest {
    static final Path DOC = Path.of("..", "docs", "REPRODUCTION.md");

    @Test
    void committedDocumentIsWhatTheEngineGenerates() throws Exception {
        String generated = Reproduction.markdown(new ReferenceBackend());
        String committed = Files.readString(DOC, StandardCharsets.UTF_8);
        assertEquals(generated, committed,
                "docs/REPRODUCTION.md is stale: run `scripts/gapscope reproduce` and commit the result");
    }

    /** Computed values as the document prints them (4-6 decimals, so exact string equality). */
    @Test
    void pinnedValues() {
        Map<String, Reproduction.Row> rows = new HashMap<>();
        for (Reproduction.Section s : Reproduction.sections(new ReferenceBackend())) {
            for (Reproduction.Row r : s.rows()) {
                rows.put(r.quantity(), r);
            }
        }
        Map<String, String> pins = Map.ofEntries(
                Map.entry("l^(1)_fox (head 1 logit for fox)", "1.5105"),
                Map.entry("l^(2)_dog (head 2 logit for dog)", "0.6042"),
                Map.entry("Pi_fox = softmax(L)_fox", "0.3809"),
                Map.entry("Gamma with the feed-forward logits (log Z of the printed L)", "1.8942"),
                Map.entry("Gamma by Theorem 5's definition (L = l^(1) + l^(2))", "1.8370"),
                Map.entry("pi^(1)_fox", "0.4727"),
                Map.entry("pi^(2)_dog", "0.2671"),
                Map.entry("uniform mixture, fox", "0.3096"),
                Map.entry("alpha_1 = (P^+ Pi)_1", "0.7013"),
                Map.entry("alpha_2 = (P^+ Pi)_2", "0.3116"),
                Map.entry("Pi-hat_fox = (P alpha)_fox", "0.3772"),
                Map.entry("||d||_2", "0.0316"),
                Map.entry("attention weights of head 1 at t = 3", "[0.2483, 0.2483, 0.5035]"),
                Map.entry("d = (I - P P^+) Pi", "[-0.0169, -0.0199, 0.0071, -0.0026, 0.0037, 0.0157]"),
                Map.entry("log score gap Gamma_S (y* = fox, beta = 1/2)", "0.162373"),
                Map.entry("brier score gap Gamma_S (y* = fox, beta = 1/2)", "0.034804"),
                Map.entry("s*(N = 100000, p = 1/2), Gaussian sigma = 1.0", "12.0127"),
                Map.entry("s*(N = 100, p = 1/2), Gaussian sigma = 2.0", "6.4718"),
                Map.entry("fixed length L = 4096: pairs in the last half of the window", "0.2499"),
                Map.entry("lengths uniform on 512..4096: pairs in the last half", "0.1252"));
        for (Map.Entry<String, String> e : pins.entrySet()) {
            assertTrue(rows.containsKey(e.getKey()), "row missing: " + e.getKey());
            assertEquals(e.getValue(), rows.get(e.getKey()).computed(), e.getKey());
        }
    }
}
