package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.gapscope.cli.Main;
import org.junit.jupiter.api.Test;

/** The bench command's JSON is a contract (peer comparisons parse it): keys and exit codes. */
class BenchCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        Main.Result r = Main.call(args);
        return new Run(r.code(), r.out(), r.err());
    }

    static final String[] QUICK = {"--warmup", "1", "--warmup-ms", "0", "--repetitions", "2", "--format", "json"};

    static JsonNode bench(String... args) throws Exception {
        String[] all = new String[args.length + QUICK.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(QUICK, 0, all, args.length, QUICK.length);
        Run r = run(all);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void everyOpPrintsTheContractKeys() throws Exception {
        String[][] cases = {
            {"bench", "lse", "--backend", "cpu", "--batch", "2", "--vocab", "1000"},
            {"bench", "softmax", "--backend", "cpu", "--batch", "2", "--vocab", "1000"},
            {"bench", "gap", "--backend", "cpu", "--batch", "1", "--heads", "3", "--vocab", "1000"},
            {"bench", "attention", "--backend", "cpu", "--heads", "2", "--seq", "33", "--head-dim", "8"},
            {"bench", "crowding", "--backend", "cpu", "--n", "10000"},
            {"bench", "sweep-gap", "--backend", "cpu", "--batch", "2", "--heads", "3", "--vocab", "1001", "--law", "correlated"},
            {"bench", "mixture-gaps", "--backend", "cpu", "--heads", "3", "--vocab", "1001", "--dtype", "f64"}};
        for (String[] c : cases) {
            JsonNode j = bench(c);
            for (String key : new String[] {"medianMs", "minMs", "gexpPerSec"}) {
                assertTrue(j.get(key).isNumber() && j.get(key).asDouble() > 0, c[1] + ": " + key + " in " + j);
            }
            assertEquals("cpu", j.get("backend").asText());
            assertEquals(c[1], j.get("op").asText());
            assertTrue(j.get("minMs").asDouble() <= j.get("medianMs").asDouble(), j.toString());
        }
        assertTrue(bench(cases[4]).get("samplesPerSec").asDouble() > 0);
        JsonNode sweep = bench(cases[5]);
        assertEquals(2 * 3 * 1001 / (sweep.get("medianMs").asDouble() * 1e-3), sweep.get("logitsPerSec").asDouble(), 1e-6
                * sweep.get("logitsPerSec").asDouble());
        assertEquals("correlated", sweep.get("shape").get("law").asText());
        assertEquals(2.0 * 3 * 1001, bench(cases[6]).get("exps").asDouble(), 0.0);
    }

    @Test
    void theBaselineIsTimedInTheSameRun() throws Exception {
        JsonNode j = bench("bench", "lse", "--backend", "cpu", "--batch", "2", "--vocab", "500", "--baseline", "reference");
        assertEquals("reference", j.get("baseline").get("backend").asText());
        assertTrue(j.get("baseline").get("medianMs").asDouble() > 0);
        assertEquals(j.get("baseline").get("medianMs").asDouble() / j.get("medianMs").asDouble(),
                j.get("speedupVsBaseline").asDouble(), 1e-9);
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        Run r = run("bench", "lse", "--vocab", "0");
        assertEquals(Main.EXIT_INPUT, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Run u = run("bench", "nosuchop");
        assertEquals(Main.EXIT_INPUT, u.code());
        Run s = run("bench", "sweep-gap", "--heads", "0");
        assertEquals(Main.EXIT_INPUT, s.code());
        assertTrue(s.err().startsWith("gapscope bench: --heads") || s.err().contains("--heads"), s.err());
        Run m = run("bench", "mixture-gaps", "--vocab", "0");
        assertEquals(Main.EXIT_INPUT, m.code());
        assertTrue(m.err().contains("--heads and --vocab must be >= 1"), m.err());
        Run b = run("bench", "lse", "--backend", "nosuch");
        assertEquals(Main.EXIT_INPUT, b.code());
        assertTrue(b.err().contains("unknown backend"), b.err());
    }
}
