package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Tensor;
import org.gapscope.io.Npy;
import org.gapscope.io.Safetensors;
import org.gapscope.measure.GapSweep;
import org.gapscope.api.SweepLaw;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep and gap commands' contracts and their bad inputs: one line naming the input, exit 2, earlier output intact. */
class SweepCliTest {
    @TempDir
    Path dir;

    static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    static String[] sweep(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sweep", "gap", "--backend", "reference", "--vocab", "64,512",
                "--heads", "1,4", "--tokens", "2", "--progress", "off", "--format", "json", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static void assertOneLineError(CliTest.Run r, String... parts) {
        assertEquals(2, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + p + "' in: " + err);
        }
    }

    @Test
    void sweepWritesEveryFileAndTheValuesOfTheReferenceOps() throws Exception {
        Path out = dir.resolve("run");
        CliTest.Run r = run(sweep(out));
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        assertEquals(4, root.get("points").size());
        assertEquals(5, root.get("files").size());
        for (JsonNode f : root.get("files")) {
            assertTrue(Files.size(Path.of(f.asText())) > 0, f.asText());
        }
        JsonNode p = root.get("points").get(3); // V = 512, H = 4
        assertEquals(512, p.get("V").asInt());
        assertEquals(4, p.get("H").asInt());
        Map<String, Object> expected = GapSweep.compute(new GapSweep.Point(SweepLaw.gaussian, 512, 4, 2, 1.0,
                null, null, 1.0, 1), new ReferenceBackend());
        for (String k : List.of("gamma", "gammaJ", "ledger", "logGap", "brierGap", "gammaRatio")) {
            // JSON carries all 17 significant digits: exact
            assertEquals(((Number) expected.get(k)).doubleValue(), p.get(k).asDouble(), 0.0, k);
        }
        JsonNode m = Json.MAPPER.readTree(out.resolve("manifest.json").toFile());
        for (String k : List.of("command", "commandLine", "backend", "device", "versions", "seeds", "gitCommit",
                "startTime", "endTime", "parameters")) {
            assertTrue(m.has(k), k);
        }
        assertEquals("sweep gap", m.get("command").asText());
        assertEquals("--vocab", m.get("commandLine").get(4).asText());
        List<String> csv = Files.readAllLines(out.resolve("points.csv"));
        assertEquals(String.join(",", GapSweep.COLUMNS), csv.get(0));
        assertEquals(5, csv.size());
        // the same command again: nothing recomputed, nothing duplicated
        String before = Files.readString(out.resolve("points.jsonl"));
        CliTest.Run again = run(sweep(out));
        assertEquals(0, again.code(), again.err());
        JsonNode a = Json.MAPPER.readTree(again.out());
        assertEquals(0, a.get("computed").asInt());
        assertEquals(4, a.get("skipped").asInt());
        assertEquals(before, Files.readString(out.resolve("points.jsonl")));
    }

    /**
     * --scores log: the same rows but brierGap null (the Brier gap's second pass is skipped), and its own run
     * directory identity (a default run's directory is not resumed with it).
     */
    @Test
    void scoresLogSkipsTheBrierGapAndKeepsEveryOtherValue() throws Exception {
        Path both = dir.resolve("both");
        Path log = dir.resolve("log");
        CliTest.Run a = run(sweep(both));
        CliTest.Run b = run(sweep(log, "--scores", "log"));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        JsonNode pa = Json.MAPPER.readTree(a.out()).get("points");
        JsonNode pb = Json.MAPPER.readTree(b.out()).get("points");
        assertEquals(pa.size(), pb.size());
        for (int i = 0; i < pa.size(); i++) {
            assertTrue(pb.get(i).get("brierGap").isNull(), "brierGap null: " + pb.get(i));
            assertTrue(pa.get(i).get("brierGap").isNumber(), "brierGap by default: " + pa.get(i));
            for (String k : List.of("gamma", "gammaMin", "gammaMax", "gammaJ", "ledger", "ledgerError", "logGap")) {
                assertEquals(pa.get(i).get(k).asDouble(), pb.get(i).get(k).asDouble(), 0.0, k);
            }
        }
        List<String> csv = Files.readAllLines(log.resolve("points.csv"));
        int col = List.of(csv.get(0).split(",", -1)).indexOf("brierGap");
        assertEquals("", csv.get(1).split(",", -1)[col], "brierGap empty in the CSV: " + csv.get(1));
        assertOneLineError(run(sweep(both, "--scores", "log")), "output directory", "different parameters", "scores");
    }

    @Test
    void badSweepInputs() throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, run(sweep(out)).code());
        String jsonl = Files.readString(out.resolve("points.jsonl"));
        String manifest = Files.readString(out.resolve("manifest.json"));
        // a directory that belongs to another grid
        assertOneLineError(run(sweep(out, "--sigma", "2")), "output directory", "different parameters", "sigma");
        // ... or to another command (a gap sweep directory is not a crowding run): forged here by the command name
        Files.writeString(out.resolve("manifest.json"), manifest.replace("\"sweep gap\"", "\"crowding\""));
        assertOneLineError(run(sweep(out)), "output directory", "different command", "crowding");
        Files.writeString(out.resolve("manifest.json"), manifest);
        assertEquals(jsonl, Files.readString(out.resolve("points.jsonl")), "earlier output intact");

        Path fresh = dir.resolve("fresh");
        assertOneLineError(run(sweep(fresh, "--vocab", "0")), "--vocab", "empty vocabulary");
        assertOneLineError(run(sweep(fresh, "--vocab", "-3")), "--vocab", ">= 1");
        assertOneLineError(run(sweep(fresh, "--heads", "0")), "--heads", ">= 1");
        assertOneLineError(run(sweep(fresh, "--tokens", "0")), "--tokens", ">= 1");
        assertOneLineError(run(sweep(fresh, "--temperature", "-1")), "--temperature");
        assertOneLineError(run(sweep(fresh, "--law", "cauchy")), "--law", "cauchy");
        assertOneLineError(run(sweep(fresh, "--vocab", "ten")), "--vocab", "ten");
        assertOneLineError(run(sweep(fresh, "--progress", "loud")), "--progress");
        assertOneLineError(run(sweep(fresh, "--scores", "brier")), "--scores", "brier");
        assertOneLineError(run(sweep(fresh, "--scores", "log,spherical")), "--scores", "spherical");
        // logits that overflow float32, and stream indices beyond 2^62: refused up front, naming the parameter
        assertOneLineError(run(sweep(fresh, "--sigma", "1e300")), "--sigma", "overflow float32");
        assertOneLineError(run(sweep(fresh, "--vocab", "1073741824", "--heads", "1048576", "--tokens", "16384")),
                "--tokens x --heads x --vocab", "2^62");
        assertFalse(Files.exists(fresh), "a refused run writes nothing");
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertOneLineError(run(sweep(file)), "output directory", "not a directory");
    }

    @Test
    void gapReadsSafetensorsAndCountsNonFiniteLogits() throws Exception {
        float[] x = new float[2 * 3 * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.cos(i * 0.9) * 2;
        }
        x[5] = Float.POSITIVE_INFINITY;
        x[3 * 7 + 1] = Float.NaN;
        Path st = dir.resolve("heads.safetensors");
        Safetensors.write(st, Map.of("layer0.heads", Tensor.of(x, 2, 3, 7)), "BF16");
        CliTest.Run r = run("gap", "--input", st.toString(), "--tensor", "layer0.heads", "--backend", "reference",
                "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        assertEquals(1, root.get("nonFinite").get(0).asInt());
        assertEquals(1, root.get("nonFinite").get(1).asInt());
        // +inf in head 0 of token 0: log Z_0 = +inf and log Z = +inf, so gamma = inf - inf = NaN; NaN in token 1: NaN
        // JSON has no NaN or infinity: null, with the token's nonFiniteValues and nonFinite count saying why
        assertTrue(root.get("tokens").get(0).get("logZ").isNull());
        assertEquals("Infinity", root.get("tokens").get(0).get("nonFiniteValues").get("logZ").asText());
        assertTrue(root.get("tokens").get(1).get("gamma").isNull());
        assertEquals("NaN", root.get("tokens").get(1).get("nonFiniteValues").get("gamma").asText());

        Path out = dir.resolve("gap-run");
        CliTest.Run written = run("gap", "--input", st.toString(), "--tensor", "layer0.heads", "--backend", "reference",
                "--target", "2", "--out", out.toString());
        assertEquals(0, written.code(), written.err());
        List<String> csv = Files.readAllLines(out.resolve("points.csv"));
        assertEquals("token,target,gamma,gammaJ,logZ,sumLogZHeads,ledger,logGap,brierGap,nonFinite", csv.get(0));
        assertEquals(3, csv.size());
        assertTrue(csv.get(1).startsWith("0,2,NaN,") && csv.get(1).endsWith(",1"), csv.get(1));
        assertTrue(Files.size(out.resolve("gamma-per-token.png")) > 0);
        assertEquals("gap", Json.MAPPER.readTree(out.resolve("manifest.json").toFile()).get("command").asText());
        // the same directory for another input is refused, the earlier files intact
        String before = Files.readString(out.resolve("points.jsonl"));
        assertOneLineError(run("gap", "--input", st.toString(), "--tensor", "layer0.heads", "--backend", "reference",
                "--out", out.toString()), "different parameters");
        assertEquals(before, Files.readString(out.resolve("points.jsonl")));

        assertOneLineError(run("gap", "--input", st.toString(), "--tensor", "layer1.heads"), "layer1.heads", st.toString());
        Path npy = dir.resolve("ok.npy");
        Npy.write(npy, Tensor.of(new double[12], 3, 4));
        assertOneLineError(run("gap", "--input", npy.toString(), "--tensor", "x"), "--tensor");
        Path extra = dir.resolve("extra.npy");
        Npy.write(extra, Tensor.of(new double[5], 5));
        assertOneLineError(run("gap", "--input", npy.toString(), "--extra", extra.toString()), "extra", "does not match");
        Path noHeads = dir.resolve("h0.npy");
        Npy.write(noHeads, Tensor.of(new double[0], 0, 4));
        assertOneLineError(run("gap", "--input", noHeads.toString()), "H = 0");
        Path noVocab = dir.resolve("v0.npy");
        Npy.write(noVocab, Tensor.of(new double[0], 3, 0));
        assertOneLineError(run("gap", "--input", noVocab.toString()), "V = 0");
        byte[] all = Files.readAllBytes(npy);
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 3));
        assertOneLineError(run("gap", "--input", cut.toString()), cut.toString(), "truncated");
    }
}
