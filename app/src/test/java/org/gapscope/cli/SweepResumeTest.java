package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and Ctrl-C safety of {@code sweep gap}: a real SIGKILL of a child JVM in the middle of a run, a
 * halt injected between the two point files, and SIGTERM (what Ctrl-C does) for the clean stop. After
 * each, re-running the same command on the same directory must leave every point exactly once, with the
 * rows written before the crash byte-identical, and the files equal to those of an uninterrupted run
 * apart from the timing columns ({@code seconds}, {@code logitsPerSec}).
 */
class SweepResumeTest {
    @TempDir
    Path tmp;

    /** The uninterrupted run every test compares with, computed once. */
    @TempDir
    static Path shared;

    /** 40 points of ~0.5 M logits each: long enough to be killed in the middle on any machine. */
    static List<String> sweepArgs(Path out) {
        return sweepArgs(out, "reference");
    }

    static List<String> sweepArgs(Path out, String backend) {
        return List.of("sweep", "gap", "--backend", backend, "--vocab", "16384", "--heads", "8", "--tokens", "4",
                "--law", "gaussian,correlated", "--seed", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
                "--progress", "off", "--format", "json", "--out", out.toString());
    }

    static final int POINTS = 40;

    static Process start(List<String> args, String... jvmProps) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
        cmd.addAll(List.of(jvmProps));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static int lines(Path f) throws IOException {
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        int n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    static void waitForLines(Path f, int n, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(f) < n) {
            assertTrue(p.isAlive(), "the sweep ended before it could be interrupted");
            assertTrue(System.nanoTime() < deadline, "the sweep wrote no points in 120 s");
            Thread.sleep(20);
        }
    }

    static int runInProcess(List<String> args) {
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r.code();
    }

    /** Every point exactly once and the same bytes as an uninterrupted run. */
    static void assertCompleteAndEqualToFresh(Path dir, String beforeCrash) throws Exception {
        assertCompleteAndEqualToFresh(dir, beforeCrash, "reference");
    }

    /**
     * As above for a backend; the points are JSON numbers in Java's shortest round-trip form, so equal
     * text is equal bits.
     */
    static synchronized void assertCompleteAndEqualToFresh(Path dir, String beforeCrash, String backend)
            throws Exception {
        Path fresh = shared.resolve("fresh-" + backend);
        if (!Files.exists(fresh.resolve("points.jsonl"))) {
            runInProcess(sweepArgs(fresh, backend));
        }
        String jsonl = Files.readString(dir.resolve("points.jsonl"));
        List<String> rows = jsonl.lines().toList();
        assertEquals(POINTS, rows.size());
        Set<String> keys = new HashSet<>();
        for (String r : rows) {
            JsonNode n = Json.MAPPER.readTree(r);
            keys.add(n.get("law").asText() + "/" + n.get("seed").asLong());
        }
        assertEquals(POINTS, keys.size(), "a point is duplicated");
        assertTrue(jsonl.startsWith(beforeCrash), "rows written before the crash changed");
        assertEquals(untimed(Files.readString(fresh.resolve("points.jsonl"))), untimed(jsonl));
        assertEquals(untimedCsv(Files.readString(fresh.resolve("points.csv"))),
                untimedCsv(Files.readString(dir.resolve("points.csv"))));
        JsonNode manifest = Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        assertEquals("complete", manifest.get("status").asText());
        assertEquals(POINTS, manifest.get("points").asInt());
        assertTrue(Files.size(dir.resolve("gamma-vs-V.png")) > 0 && Files.size(dir.resolve("gamma-ratio-vs-V.png")) > 0);
    }

    /** The rows of a points.jsonl without the timing columns (seconds, logitsPerSec), which differ from run to run. */
    static List<String> untimed(String jsonl) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : jsonl.lines().toList()) {
            com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(line);
            assertTrue(n.get("seconds").asDouble() > 0 && n.get("logitsPerSec").asDouble() > 0, line);
            n.remove(List.of("seconds", "logitsPerSec"));
            out.add(n.toString());
        }
        return out;
    }

    /** The lines of a points.csv without its last two columns (seconds, logitsPerSec). */
    static List<String> untimedCsv(String csv) {
        return csv.lines().map(l -> l.substring(0, l.lastIndexOf(',', l.lastIndexOf(',') - 1))).toList();
    }

    /** The complete lines of a file (a torn last line left out). */
    static String completeLines(Path f) throws IOException {
        String s = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        return s.substring(0, s.lastIndexOf('\n') + 1);
    }

    @Test
    void sigkillInTheMiddleThenResume() throws Exception {
        Path dir = tmp.resolve("killed");
        Process p = start(sweepArgs(dir));
        waitForLines(dir.resolve("points.jsonl"), 3, p);
        p.destroyForcibly(); // SIGKILL on POSIX: no shutdown hook runs
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String before = completeLines(dir.resolve("points.jsonl"));
        int k = (int) before.lines().count();
        assertTrue(k >= 3 && k < POINTS, k + " points before the kill");
        JsonNode manifest = Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        assertEquals("running", manifest.get("status").asText(), "a killed run's manifest says it never finished");
        runInProcess(sweepArgs(dir));
        assertCompleteAndEqualToFresh(dir, before);
    }

    @Test
    void haltBetweenTheTwoFilesThenResume() throws Exception {
        Path dir = tmp.resolve("halted");
        Process p = start(sweepArgs(dir), "-Dgapscope.fault.haltAfterJsonl=5");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
        assertEquals(5, lines(dir.resolve("points.jsonl")));
        assertEquals(1 + 4, lines(dir.resolve("points.csv")), "the 5th CSV row was never written");
        String before = Files.readString(dir.resolve("points.jsonl"));
        runInProcess(sweepArgs(dir));
        assertCompleteAndEqualToFresh(dir, before);
    }

    /**
     * The cpu backend: the first 5 points come from a fresh JVM (interpreted and C1 code), the rest and the
     * uninterrupted run from this warm one (C2): the files must still be identical, bit for bit.
     */
    @Test
    void cpuHaltThenResumeEqualsAnUninterruptedRunExactly() throws Exception {
        Path dir = tmp.resolve("halted-cpu");
        Process p = start(sweepArgs(dir, "cpu"), "-Dgapscope.fault.haltAfterJsonl=5");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
        assertEquals(5, lines(dir.resolve("points.jsonl")));
        String before = Files.readString(dir.resolve("points.jsonl"));
        runInProcess(sweepArgs(dir, "cpu"));
        assertCompleteAndEqualToFresh(dir, before, "cpu");
    }

    @Test
    void sigtermStopsCleanlyAfterTheCurrentPoint() throws Exception {
        Path dir = tmp.resolve("stopped");
        Process p = start(sweepArgs(dir));
        waitForLines(dir.resolve("points.jsonl"), 2, p);
        p.destroy(); // SIGTERM: the shutdown hook lets the current point finish
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        JsonNode manifest = Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        String before = Files.readString(dir.resolve("points.jsonl"));
        assertTrue(before.endsWith("\n"), "a clean stop leaves no torn line");
        int k = lines(dir.resolve("points.jsonl"));
        assertEquals("interrupted", manifest.get("status").asText());
        assertEquals(k, manifest.get("points").asInt());
        assertEquals(k + 1, lines(dir.resolve("points.csv")));
        assertTrue(Files.exists(dir.resolve("gamma-vs-V.png")));
        runInProcess(sweepArgs(dir));
        assertCompleteAndEqualToFresh(dir, before);
    }
}
