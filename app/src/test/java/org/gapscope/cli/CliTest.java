package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.Tensor;
import org.gapscope.io.Npy;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    /** A command line's exit code and output (Main.call's). */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        Main.Result r = Main.call(args);
        return new Run(r.code(), r.out(), r.err());
    }

    /** --device is an options value handed to the backends, not a JVM-wide system property. */
    @Test
    void theDeviceOptionLeavesNoGlobalState() {
        var before = new java.util.Properties();
        before.putAll(System.getProperties());
        Run r = run("devices", "--device", "1:0", "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertEquals(before, System.getProperties());
    }

    @Test
    void gapPrintsTheContractKeysPerToken() throws Exception {
        double[] x = new double[2 * 3 * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i * 1.3) * 2;
        }
        Path in = dir.resolve("logits.npy");
        Npy.write(in, Tensor.of(x, 2, 3, 7));
        Run r = run("gap", "--input", in.toString(), "--target", "4", "--backend", "reference", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        JsonNode tokens = root.get("tokens");
        assertEquals(2, tokens.size());
        var expected = new ReferenceBackend().jensenGap(Tensor.of(x, 2, 3, 7), null, new int[] {4, 4});
        for (int t = 0; t < 2; t++) {
            JsonNode tok = tokens.get(t);
            List<String> keys = new ArrayList<>();
            tok.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("gamma", "gammaJ", "logZ", "logZHeads", "ledger", "logGap", "brierGap"), keys);
            // JSON carries doubles with all 17 significant digits: the values are exact
            assertEquals(expected.gamma()[t], tok.get("gamma").asDouble(), 0.0);
            assertEquals(expected.gammaJ()[t], tok.get("gammaJ").asDouble(), 0.0);
            assertEquals(expected.logZ()[t], tok.get("logZ").asDouble(), 0.0);
            assertEquals(expected.ledger()[t], tok.get("ledger").asDouble(), 0.0);
            assertEquals(3, tok.get("logZHeads").size());
            assertEquals(expected.logZHead(t, 2), tok.get("logZHeads").get(2).asDouble(), 0.0);
        }
        Run table = run("gap", "--input", in.toString(), "--backend", "reference");
        assertEquals(0, table.code());
        assertTrue(table.out().contains("gamma"));
    }

    /**
     * gap --target reports per token the log and Brier gaps of the equal-weight mixture of the heads: the
     * reference's mixtureGaps of the token's [H, V] slice, within ErrorBounds.mixtureGaps on the cpu backend
     * (exactly on the reference), in the JSON, the table and the run directory's points; without --target
     * they are absent (JSON) or empty (points).
     */
    @Test
    void gapReportsTheMixtureScoreGapsPerToken() throws Exception {
        int b = 3;
        int h = 4;
        int v = 4099;
        float[] x = new float[b * h * v];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (Math.sin(i * 0.37) * 3 + (i % (h * v) < v ? 1.5 : 0));
        }
        Path in = dir.resolve("mix.npy");
        Npy.write(in, Tensor.of(x, b, h, v));
        int[] targets = {5, 4098, 0};
        ReferenceBackend ref = new ReferenceBackend();
        double[] beta = {0.25, 0.25, 0.25, 0.25};
        for (String backend : List.of("reference", "cpu")) {
            Path out = dir.resolve("run-" + backend);
            Run r = run("gap", "--input", in.toString(), "--target", "5,4098,0", "--backend", backend, "--format",
                    "json", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode tokens = Json.MAPPER.readTree(r.out()).get("tokens");
            List<String> lines = Files.readAllLines(out.resolve("points.jsonl"));
            assertEquals(b, lines.size());
            for (int t = 0; t < b; t++) {
                Tensor token = Tensor.of(java.util.Arrays.copyOfRange(x, t * h * v, (t + 1) * h * v), h, v);
                var log = ref.mixtureGaps(token, beta, targets[t], org.gapscope.api.MixtureGaps.Score.LOG, Double.NaN);
                var brier = ref.mixtureGaps(token, beta, targets[t], org.gapscope.api.MixtureGaps.Score.BRIER,
                        Double.NaN);
                double range = 0;
                double[] lz = ref.logSumExp(token, 1.0);
                for (int i = 0; i < h * v; i++) {
                    range = Math.max(range, Math.abs(token.get(i) - lz[i / v]));
                }
                double tol = backend.equals("reference") ? 0.0
                        : org.gapscope.api.ErrorBounds.mixtureGaps(v, h, 4.5, range, Math.max(Math.abs(log.c()),
                                Math.abs(brier.c())));
                JsonNode point = Json.MAPPER.readTree(lines.get(t));
                assertTrue(Math.abs(log.gap()) > 1e-3 && Math.abs(brier.gap()) > 1e-4, log.gap() + " " + brier.gap());
                assertEquals(log.gap(), tokens.get(t).get("logGap").asDouble(), tol, backend + " token " + t);
                assertEquals(brier.gap(), tokens.get(t).get("brierGap").asDouble(), tol, backend + " token " + t);
                assertEquals(tokens.get(t).get("logGap").asDouble(), point.get("logGap").asDouble(), 0.0);
                assertEquals(tokens.get(t).get("brierGap").asDouble(), point.get("brierGap").asDouble(), 0.0);
            }
            assertTrue(Files.readAllLines(out.resolve("points.csv")).get(0).contains("ledger,logGap,brierGap,"));
        }
        Run table = run("gap", "--input", in.toString(), "--target", "7", "--backend", "reference");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("logGap") && table.out().contains("brierGap"), table.out());
        Run none = run("gap", "--input", in.toString(), "--backend", "reference", "--format", "json");
        assertEquals(0, none.code(), none.err());
        assertFalse(none.out().contains("logGap"), none.out());
        Run noneTable = run("gap", "--input", in.toString(), "--backend", "reference");
        assertFalse(noneTable.out().contains("logGap"), noneTable.out());
    }

    @Test
    void badInputIsOneLineWithExitTwo() throws Exception {
        Path in = dir.resolve("x.npy");
        Npy.write(in, Tensor.of(new double[6], 2, 3));
        Files.writeString(dir.resolve("bad.npy"), "garbage");
        String[][] cases = {
            {"gap", "--input", dir.resolve("nope.npy").toString()},
            {"gap", "--input", dir.resolve("bad.npy").toString()},
            {"gap", "--input", in.toString(), "--target", "9"},
            {"gap", "--input", in.toString(), "--backend", "nosuch"},
            {"gap", "--input", in.toString(), "--format", "xml"},
            {"gap"},
            {"nosuchcommand"},
        };
        for (String[] c : cases) {
            Run r = run(c);
            assertEquals(Main.EXIT_INPUT, r.code(), String.join(" ", c) + ": " + r.err());
            String err = r.err().strip();
            assertFalse(err.contains("\n"), "one line: " + err);
            assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
            assertTrue(err.startsWith("gapscope"), err);
        }
    }

    @Test
    void exampleMicroAndDevicesRun() throws Exception {
        Run micro = run("example", "micro", "--format", "json", "--backend", "reference");
        assertEquals(0, micro.code(), micro.err());
        JsonNode checks = Json.MAPPER.readTree(micro.out()).get("checks");
        assertTrue(checks.size() >= 16);
        Run devices = run("devices", "--format", "json");
        assertEquals(0, devices.code());
        assertTrue(devices.out().contains("\"reference\""));
        assertEquals(0, run("--help").code());
        assertEquals(0, run("gap", "--help").code());
    }
}
