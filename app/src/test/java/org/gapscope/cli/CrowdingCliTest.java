package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.CrowdingSimulation;
import org.gapscope.crowding.MarginSolver;
import org.gapscope.crowding.MeanField;
import org.gapscope.positional.PositionalAttenuation;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract of crowding, margin and positional: JSON keys, values equal to the library's, bad input. */
class CrowdingCliTest {
    @TempDir
    Path dir;

    int runs;

    /** A fresh run directory for each call (the commands refuse to mix parameters in one). */
    String out() {
        return dir.resolve("run" + (runs++)).toString();
    }

    static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }

    @Test
    void crowdingPrintsTheContractKeysPerN() throws Exception {
        CliTest.Run r = run("crowding", "--n", "10,300", "--s", "5", "--law", "gaussian", "--sigma", "1", "--reps", "40",
                "--seed", "7", "--backend", "reference", "--format", "json", "--out", out());
        assertEquals(0, r.code(), r.err());
        JsonNode pts = Json.MAPPER.readTree(r.out()).get("points");
        assertEquals(2, pts.size());
        assertEquals(List.of("n", "meanP", "stdErr", "meanField"), keys(pts.get(0)).subList(0, 4));
        CrowdingSimulation.Point p = CrowdingSimulation.point(new ReferenceBackend(), 300, 5, Law.gaussian(0, 1), 40, 7,
                Mitigation.NONE, 1000, null);
        // JSON carries all 17 significant digits and the batching does not change bits: exact equality
        assertEquals(300, pts.get(1).get("n").asLong());
        assertEquals(p.meanP(), pts.get(1).get("meanP").asDouble(), 0.0);
        assertEquals(p.stats().stdErr(), pts.get(1).get("stdErr").asDouble(), 0.0);
        assertEquals(p.meanField(), pts.get(1).get("meanField").asDouble(), 0.0);
        // --margin: s = mean + margin (Gumbel mean = mu + gamma beta)
        CliTest.Run m = run("crowding", "--n", "10", "--margin", "2", "--law", "gumbel", "--sigma", "0.5", "--reps", "5",
                "--backend", "reference", "--format", "json", "--out", out(), "--mitigation", "none,topk:3,temperature:2,scalable:0.5");
        assertEquals(0, m.code(), m.err());
        JsonNode mp = Json.MAPPER.readTree(m.out()).get("points");
        assertEquals(4, mp.size());
        assertEquals(2 + Law.gumbel(0, 0.5).mean(), mp.get(0).get("s").asDouble(), 1e-15);
        assertEquals("topk:3", mp.get(1).get("mitigation").asText());
        // top-k has no mean field: JSON null, named in the row's nonFiniteValues; the CSV keeps NaN
        assertTrue(mp.get(1).get("meanField").isNull(), mp.get(1).toString());
        assertEquals("NaN", mp.get(1).get("nonFiniteValues").get("meanField").asText());
        assertEquals("NaN", mp.get(1).get("nonFiniteValues").get("difference").asText());
        assertFalse(mp.get(0).has("nonFiniteValues"));
        Path runDir = Path.of(Json.MAPPER.readTree(m.out()).get("runDirectory").asText());
        String line = Files.readAllLines(runDir.resolve("points.jsonl")).get(1);
        assertTrue(Json.MAPPER.readTree(line).get("meanField").isNull(), line);
        assertTrue(line.contains("\"meanField\":null") && line.endsWith("\"nonFiniteValues\":{\"meanField\":\"NaN\",\"difference\":\"NaN\"}}"), line);
        String csv = Files.readAllLines(runDir.resolve("points.csv")).get(2);
        assertTrue(csv.contains(",NaN,NaN,"), csv);
        CliTest.Run table = run("crowding", "--n", "10", "--reps", "5", "--backend", "reference", "--out", out());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("meanField"));
    }

    @Test
    void marginPrintsSStarAndTheFormula() throws Exception {
        CliTest.Run r = run("margin", "--n", "500", "--p", "0.5", "--law", "gaussian", "--sigma", "1,2", "--reps", "30",
                "--backend", "reference", "--format", "json", "--out", out());
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
        CliTest.Run r = run("positional", "--grid", "uniform", "--m", "64", "--omega-min", "0.01", "--omega-max", "1",
                "--delta", "10,399.839", "--backend", "reference", "--format", "json", "--out", out());
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        JsonNode pts = root.get("points");
        assertEquals(2, pts.size());
        assertEquals(List.of("delta", "f", "bound"), keys(pts.get(0)).subList(0, 3));
        double[] w = PositionalAttenuation.uniformGrid(0.01, 1, 64);
        double f = new ReferenceBackend().positional(w, new double[] {399.839})[0];
        assertEquals(f, pts.get(1).get("f").asDouble(), 0.0);
        assertEquals(2 / (0.99 * 399.839), pts.get(1).get("bound").asDouble(), 1e-16);
        assertTrue(pts.get(1).get("aboveBound").asBoolean()); // the first finite-m revival
        assertEquals(1, root.get("revivals").size());
        for (String[] g : new String[][] {{"--grid", "geometric", "--d", "512"}, {"--grid", "rope", "--base", "10000", "--d", "128"}}) {
            List<String> args = new ArrayList<>(List.of("positional", "--delta", "10,1000", "--backend", "reference", "--out", out(),
                    "--format", "json", "--lengths", "fixed:2048"));
            args.addAll(List.of(g));
            CliTest.Run q = run(args.toArray(String[]::new));
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
            List<String> a = new ArrayList<>(List.of(args));
            String o = out();
            a.addAll(List.of("--out", o));
            CliTest.Run r = run(a.toArray(String[]::new));
            assertTrue(!Files.exists(Path.of(o)), "bad input must fail before the run directory is made");
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void runDirectoriesHoldDataManifestAndPlotsAndResume() throws Exception {
        String o = out();
        String[] args = {"crowding", "--n", "10,100", "--s", "3", "--law", "gaussian,uniform", "--reps", "20",
            "--backend", "reference", "--format", "json", "--progress", "off", "--out", o};
        CliTest.Run first = run(args);
        assertEquals(0, first.code(), first.err());
        Path d = Path.of(o);
        for (String f : List.of("manifest.json", "points.csv", "points.jsonl", "crowding-gaussian_0.0_1.0.png",
                "crowding-uniform_0.0_1.0.png")) {
            assertTrue(Files.size(d.resolve(f)) > 0, f);
        }
        assertEquals(5, Files.readAllLines(d.resolve("points.csv")).size()); // header + 2 laws x 2 N
        CliTest.Run again = run(args);
        assertEquals(0, again.code(), again.err());
        // every point was already there: nothing recomputed, the same numbers printed
        assertEquals(Json.MAPPER.readTree(first.out()).get("points"), Json.MAPPER.readTree(again.out()).get("points"));
        assertEquals(4, Files.readAllLines(d.resolve("points.jsonl")).size());
        JsonNode manifest = Json.MAPPER.readTree(d.resolve("manifest.json").toFile());
        assertEquals(1, manifest.get("resumes").size());
        assertEquals("complete", manifest.get("status").asText());

        String m = out();
        CliTest.Run margin = run("margin", "--n", "50,500", "--reps", "10", "--backend", "reference", "--progress", "off", "--out", m);
        assertEquals(0, margin.code(), margin.err());
        assertTrue(Files.size(Path.of(m, "margin.png")) > 0);
        String p = out();
        CliTest.Run pos = run("positional", "--delta-max", "300", "--scan", "dense", "--backend", "reference", "--progress", "off",
                "--out", p, "--format", "json");
        assertEquals(0, pos.code(), pos.err());
        // --progress off hides progress, not the line naming the run directory
        assertEquals("positional: run directory " + p, pos.err().strip());
        assertTrue(first.err().contains("crowding: run directory " + o), first.err());
        // positional writes points.* like every measuring command: one row per Delta
        for (String f : List.of("points.jsonl", "manifest.json", "revivals.csv")) {
            assertTrue(Files.size(Path.of(p, f)) > 0, f);
        }
        assertEquals(300, Files.readAllLines(Path.of(p, "points.jsonl")).size());
        assertEquals("delta,f,bound,aboveBound,pDelta", Files.readAllLines(Path.of(p, "points.csv")).get(0));
        CliTest.Run posAgain = run("positional", "--delta-max", "300", "--scan", "dense", "--backend", "reference",
                "--progress", "off", "--out", p, "--format", "json");
        assertEquals(0, posAgain.code(), posAgain.err());
        assertEquals(pos.out(), posAgain.out(), "a resumed positional run prints the same");
        assertEquals("positional: run directory " + p + " (resumed)", posAgain.err().strip());
        assertEquals(301, Files.readAllLines(Path.of(p, "points.csv")).size());
        assertTrue(Files.size(Path.of(p, "positional.png")) > 0);
        JsonNode pj = Json.MAPPER.readTree(pos.out());
        assertEquals(300, pj.get("points").size());
        // Delta <= 38.97 (2 sqrt(6/64) 63/0.99) is guaranteed below the bound; the scan finds revivals after it
        assertTrue(pj.get("revivals").get(0).get("from").asDouble() > pj.get("boundGuaranteedUpTo").asDouble());
    }
}
