package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on the measuring commands, with a real SIGINT to a child JVM: the run stops after the current
 * point, prints the table or JSON of the finished points and "stopped after N of M points; run the same
 * command with --out DIR to resume", and exits 130; a SIGINT that arrives during the last point leaves
 * nothing to resume, so the run ends normally with exit 0.
 */
class CtrlCTest {
    @TempDir
    Path tmp;

    record Child(Process process, Path out, Path err) {}

    static Child start(Path tmp, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Child(p, out, err);
    }

    static void sigint(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    static void waitFor(java.util.function.BooleanSupplier ready, Process p, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!ready.getAsBoolean()) {
            assertTrue(p.isAlive(), "the run ended before " + what);
            assertTrue(System.nanoTime() < deadline, "no " + what + " in 120 s");
            Thread.sleep(20);
        }
    }

    static int lines(Path f) {
        try {
            return Files.exists(f) ? (int) Files.readString(f).lines().count() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** 30 points of ~10^6 draws each on the one-thread reference backend: long enough to be interrupted. */
    static List<String> longRun(String command, Path dir, String format) {
        List<String> a = new ArrayList<>(List.of(command, "--backend", "reference", "--reps", "20", "--progress", "off",
                "--format", format, "--out", dir.toString(), "--n"));
        StringBuilder ns = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            ns.append(i == 0 ? "" : ",").append(50_000 + i);
        }
        a.add(ns.toString());
        return a;
    }

    void stopsWithTheFinishedPointsAndTheResumeLine(String command, String format) throws Exception {
        Path dir = tmp.resolve(command + "-" + format);
        Files.createDirectories(tmp.resolve(command + format));
        Child c = start(tmp.resolve(command + format), longRun(command, dir, format));
        Path jsonl = dir.resolve("points.jsonl");
        waitFor(() -> lines(jsonl) >= 2, c.process(), "two points");
        sigint(c.process());
        assertTrue(c.process().waitFor(120, TimeUnit.SECONDS));
        assertEquals(130, c.process().exitValue(), Files.readString(c.err()));
        int k = lines(jsonl);
        assertTrue(k >= 2 && k < 30, k + " points");
        String err = Files.readString(c.err());
        assertTrue(err.contains(command + ": run directory " + dir), err);
        assertTrue(err.contains(command + ": stopped after " + k + " of 30 points; run the same command with --out "
                + dir + " to resume"), err);
        String out = Files.readString(c.out());
        if (format.equals("json")) {
            JsonNode root = Json.MAPPER.readTree(out);
            assertTrue(root.get("interrupted").asBoolean());
            assertEquals(k, root.get("points").size());
        } else {
            // the table: a title, a header, a rule and one line per finished point
            assertEquals(3 + k, out.lines().count(), out);
        }
        JsonNode manifest = Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        assertEquals("interrupted", manifest.get("status").asText());
        assertEquals(k, manifest.get("points").asInt());
    }

    @Test
    void crowdingStopsCleanlyOnSigint() throws Exception {
        stopsWithTheFinishedPointsAndTheResumeLine("crowding", "json");
    }

    @Test
    void marginStopsCleanlyOnSigint() throws Exception {
        stopsWithTheFinishedPointsAndTheResumeLine("margin", "table");
    }

    @Test
    void aSigintDuringTheLastPointEndsTheRunNormally() throws Exception {
        Path dir = tmp.resolve("one");
        // one point of 4e7 draws on the reference backend: seconds, so the signal arrives inside it
        Child c = start(tmp, List.of("crowding", "--backend", "reference", "--n", "2000000", "--reps", "20",
                "--batch", "1", "--progress", "off", "--format", "json", "--out", dir.toString()));
        waitFor(() -> Files.exists(dir.resolve("manifest.json")), c.process(), "the run directory");
        Thread.sleep(300);
        assertFalse(Files.exists(dir.resolve("points.jsonl")) && lines(dir.resolve("points.jsonl")) > 0,
                "the point finished before the signal: make it larger");
        sigint(c.process());
        assertTrue(c.process().waitFor(300, TimeUnit.SECONDS));
        String err = Files.readString(c.err());
        assertEquals(0, c.process().exitValue(), err);
        assertFalse(err.contains("stopped after"), err);
        JsonNode root = Json.MAPPER.readTree(Files.readString(c.out()));
        assertFalse(root.has("interrupted"));
        assertEquals(1, root.get("points").size());
        assertEquals("complete", Json.MAPPER.readTree(dir.resolve("manifest.json").toFile()).get("status").asText());
    }
}
