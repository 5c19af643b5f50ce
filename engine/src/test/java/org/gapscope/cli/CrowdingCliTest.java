package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.Crowding;
import org.gapscope.crowding.MarginSolver;
import org.gapscope.crowding.MeanField;
import org.gapscope.crowding.Positional;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** The CLI contract of crowding, margin and positional: JSON keys, values equal to the library's, bad input. */
class CrowdingCliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }

    @Test
    void crowdingPrintsTheContractKeysPerN() throws Exception {
        Run r = run("crowding", "--n", "10,300", "--s", "5", "--law", "gaussian", "--sigma", "1", "--reps", "40",
                "--seed", "7", "--backend", "reference", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode pts = Json.MAPPER.readTree(r.out()).get("points");
        assertEquals(2, pts.size());
        assertEquals(List.of("n", "meanP", "stdErr", "meanField"), keys(pts.get(0)).subList(0, 4));
        Crowding.Point p = Crowding.point(new ReferenceBackend(), 300, 5, Law.gaussian(0, 1), 40, 7,
                Mitigation.NONE, 1000, null);
        // JSON carries all 17 significant digits and the batching does not change bits: exact equality
        assertEquals(300, pts.get(1).get("n").asLong());
        assertEquals(p.meanP(), pts.get(1).get("meanP").asDouble(), 0.0);
        assertEquals(p.stats().stdErr(), pts.get(1).get("stdErr").asDouble(), 0.0);
        assertEquals(p.meanField(), pts.get(1).get("meanField").asDouble(), 0.0);
        // --margin: s = mean + margin (Gumbel mean = mu + gamma beta)
        Run m = run("crowding", "--n", "10", "--margin", "2", "--law", "gumbel", "--sigma", "0.5", "--reps", "5",
                "--backend", "reference", "--format", "json", "--mitigation", "none,topk:3,temperature:2,scalable:0.5");
        assertEquals(0, m.code(), m.err());
        JsonNode mp = Json.MAPPER.readTree(m.out()).get("points");
        assertEquals(4, mp.size());
        assertEquals(2 + Law.gumbel(0, 0.5).mean(), mp.get(0).get("s").asDouble(), 1e-15);
        assertEquals("topk:3", mp.get(1).get("mitigation").asText());
        assertEquals("NaN", mp.get(1).get("meanField").asText());
        Run table = run("crowding", "--n", "10", "--reps", "5", "--backend", "reference");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("meanField"));
    }

    @Test
    void marginPrintsSStarAndTheFormula() throws Exception {
        Run r = run("margin", "--n", "500", "--p", "0.5", "--law", "gaussian", "--sigma", "1,2", "--reps", "30",
                "--backend", "reference", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode pts = Json.MAPPER.readTree(r.out()).get("points");
        assertEquals(2, pts.size());
        JsonNode p = pts.get(1);
        assertEquals(2.0, p.get("sigma").asDouble(), 0.0);
        MarginSolver.Solution sol = MarginSolver.solve(new ReferenceBackend(), 500, 0.5, Law.gaussian(0, 2), 30, 1,
                Mitigation.NONE);
        assertEquals(sol.sStar(), p.get("sStar").asDouble(), 0.0);
        assertEquals(MeanField.sFormula(500, 0.5, Law.gaussian(0, 2)), p.get("sFormula").asDouble(), 0.0);
        // 500 < 100 e^4: flagged
        assertTrue(p.get("smallN").asBoolean());
    }

    @Test
    void positionalPrintsDeltaFAndBoundForEachGrid() throws Exception {
        Run r = run("positional", "--grid", "uniform", "--m", "64", "--omega-min", "0.01", "--omega-max", "1",
                "--delta", "10,399.839", "--backend", "reference", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        JsonNode pts = root.get("points");
        assertEquals(2, pts.size());
        assertEquals(List.of("delta", "f", "bound"), keys(pts.get(0)).subList(0, 3));
        double[] w = Positional.uniformGrid(0.01, 1, 64);
        double f = new ReferenceBackend().positional(w, new double[] {399.839})[0];
        assertEquals(f, pts.get(1).get("f").asDouble(), 0.0);
        assertEquals(2 / (0.99 * 399.839), pts.get(1).get("bound").asDouble(), 1e-16);
        assertTrue(pts.get(1).get("aboveBound").asBoolean()); // the first finite-m revival
        assertEquals(1, root.get("revivals").size());
        for (String[] g : new String[][] {{"--grid", "geometric", "--d", "512"}, {"--grid", "rope", "--base", "10000", "--d", "128"}}) {
            List<String> args = new ArrayList<>(List.of("positional", "--delta", "10,1000", "--backend", "reference",
                    "--format", "json", "--lengths", "fixed:2048"));
            args.addAll(List.of(g));
            Run q = run(args.toArray(String[]::new));
            assertEquals(0, q.code(), q.err());
            JsonNode qr = Json.MAPPER.readTree(q.out());
            assertEquals(Integer.parseInt(g[g.length - 1]) / 2, qr.get("m").asInt());
            assertEquals(2, qr.get("points").size());
            assertEquals((2048 - 10) / (2048 * 2047 / 2.0), qr.get("points").get(0).get("pDelta").asDouble(), 1e-15);
            assertTrue(qr.get("undertraining").has("fractionLastQuarter"));
        }
    }

    @Test
    void badInputIsOneLineWithExitTwo() {
        String[][] bad = {
            {"crowding", "--n", "0", "--backend", "reference"},
            {"crowding", "--law", "cauchy", "--backend", "reference"},
            {"crowding", "--mitigation", "topk:0.5", "--backend", "reference"},
            {"crowding", "--s", "1", "--margin", "1", "--backend", "reference"},
            {"margin", "--p", "1", "--n", "10", "--backend", "reference"},
            {"positional", "--grid", "rope", "--d", "7", "--backend", "reference"},
            {"positional", "--lengths", "fixed:x", "--delta", "3", "--backend", "reference"},
        };
        for (String[] args : bad) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
