package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.InputException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputLayerTest {
    static final List<String> KEYS = List.of("V", "seed", "law");
    static final List<String> COLS = List.of("V", "seed", "law", "value", "note");

    static List<Map<String, Object>> grid() {
        List<Map<String, Object>> g = new ArrayList<>();
        for (int v : new int[] {10, 100, 1000}) {
            for (long seed = 1; seed <= 2; seed++) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("V", v);
                p.put("seed", seed);
                p.put("law", "gaussian");
                g.add(p);
            }
        }
        return g;
    }

    static Map<String, ?> compute(Map<String, ?> p) {
        double v = ((Number) p.get("V")).doubleValue() / 3.0 + ((Number) p.get("seed")).doubleValue();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("value", ((Number) p.get("V")).intValue() == 100 && ((Number) p.get("seed")).intValue() == 2 ? Double.NaN : v);
        r.put("note", "a, \"quoted\" note");
        return r;
    }

    static RunDirectory open(Path dir, Map<String, ?> params) {
        return RunDirectory.open(dir, "test run", params, List.of(1, 2), List.of("test", "run"), null);
    }

    @Test
    void resumeSkipsFinishedPointsAndDropsATornLine(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Map<String, Object> params = Map.of("V", List.of(10, 100, 1000), "sigma", 1.0);
        RunDirectory run = open(dir, params);
        StopSignal stop = StopSignal.manual();
        List<Map<String, Object>> g = grid();
        try (PointLog log = run.points(KEYS, COLS)) {
            // stop after three points, as Ctrl-C would
            RunLoop.Result r = RunLoop.run("t", log, g, p -> {
                if (log.size() == 2) {
                    stop.request();
                }
                return compute(p);
            }, Progress.Mode.OFF, stop);
            assertEquals(3, r.computed());
            assertTrue(r.interrupted());
        }
        byte[] before = Files.readAllBytes(dir.resolve(PointLog.JSONL));
        // a torn line as a crash in the middle of a write would leave
        Files.writeString(dir.resolve(PointLog.JSONL), "{\"V\":1000,\"se", StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(PointLog.CSV), "1000,2,gau", StandardOpenOption.APPEND);
        RunDirectory again = open(dir, params);
        assertTrue(again.resumed());
        try (PointLog log = again.points(KEYS, COLS)) {
            assertEquals(3, log.resumed());
            assertEquals(13, log.droppedBytes());
            RunLoop.Result r = RunLoop.run("t", log, g, OutputLayerTest::compute, Progress.Mode.OFF, StopSignal.manual());
            assertEquals(3, r.computed());
            assertEquals(3, r.skipped());
            assertFalse(r.interrupted());
        }
        again.finish("complete", 6);
        byte[] after = Files.readAllBytes(dir.resolve(PointLog.JSONL));
        // earlier lines are byte-identical and come first
        assertEquals(new String(before, StandardCharsets.UTF_8),
                new String(after, 0, before.length, StandardCharsets.UTF_8));
        // a fresh uninterrupted run gives the same bytes
        Path fresh = tmp.resolve("fresh");
        try (PointLog log = open(fresh, params).points(KEYS, COLS)) {
            RunLoop.run("t", log, g, OutputLayerTest::compute, Progress.Mode.OFF, StopSignal.manual());
        }
        assertEquals(Files.readString(fresh.resolve(PointLog.JSONL)), Files.readString(dir.resolve(PointLog.JSONL)));
        assertEquals(Files.readString(fresh.resolve(PointLog.CSV)), Files.readString(dir.resolve(PointLog.CSV)));
        List<String> csv = Files.readAllLines(dir.resolve(PointLog.CSV));
        assertEquals(7, csv.size());
        assertEquals("V,seed,law,value,note", csv.get(0));
        assertEquals("100,2,gaussian,NaN,\"a, \"\"quoted\"\" note\"", csv.get(4));
        List<Map<String, Object>> rows = PointLog.readRows(dir.resolve(PointLog.JSONL));
        assertEquals(6, rows.size());
        assertTrue(Double.isNaN(PointLog.number(rows.get(3), "value")));
        Map<String, Object> m = RunDirectory.PRETTY.readValue(dir.resolve(RunDirectory.MANIFEST).toFile(), Map.class);
        assertEquals("complete", m.get("status"));
        assertEquals(1, ((List<?>) m.get("resumes")).size());
        assertEquals(List.of(1, 2), m.get("seeds"));
        assertTrue(m.containsKey("gitCommit") && m.containsKey("startTime") && m.containsKey("endTime")
                && m.containsKey("versions") && m.containsKey("commandLine"));
    }

    @Test
    void refusesADirectoryOfAnotherRun(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        open(dir, Map.of("sigma", 1.0)).finish("complete", 0);
        String manifest = Files.readString(dir.resolve(RunDirectory.MANIFEST));
        InputException e = assertThrows(InputException.class, () -> open(dir, Map.of("sigma", 2.0)));
        assertTrue(e.getMessage().contains("different parameters") && e.getMessage().contains("sigma"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "other", Map.of("sigma", 1.0), List.of(), List.of(), null));
        assertTrue(e.getMessage().contains("different command"), e.getMessage());
        assertEquals(manifest, Files.readString(dir.resolve(RunDirectory.MANIFEST)), "refusal leaves the manifest as it was");

        Path stranger = tmp.resolve("stranger");
        Files.createDirectories(stranger);
        Files.writeString(stranger.resolve("thesis.tex"), "x");
        e = assertThrows(InputException.class, () -> open(stranger, Map.of()));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());

        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        e = assertThrows(InputException.class, () -> open(file, Map.of()));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        e = assertThrows(InputException.class, () -> open(file.resolve("sub"), Map.of()));
        assertTrue(e.getMessage().contains("cannot be created"), e.getMessage());
    }

    /**
     * A directory that cannot be written is refused before anything is written. Permissions do not stop
     * root (CI runs tests as root), so the check runs on a directory that nobody can write: as root a
     * procfs directory (Linux), otherwise one without write permission; and a name that no file system
     * accepts (longer than 255 bytes) cannot be created by anyone.
     */
    @Test
    void refusesAReadOnlyDirectory(@TempDir Path tmp) throws Exception {
        Path tooLong = tmp.resolve("x".repeat(300));
        InputException e = assertThrows(InputException.class, () -> open(tooLong, Map.of()));
        assertTrue(e.getMessage().startsWith("output directory " + tooLong + ": cannot be created"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        Path dir = tmp.resolve("ro");
        Files.createDirectories(dir);
        assertTrue(dir.toFile().setWritable(false, false));
        try {
            boolean root = Files.isWritable(dir);
            Path target = dir;
            if (root) {
                target = Path.of("/proc/self");
                Assumptions.assumeTrue(Files.isDirectory(target), "as root without procfs there is no unwritable directory");
            }
            Path where = target;
            e = assertThrows(InputException.class, () -> open(where, Map.of()));
            assertTrue(e.getMessage().startsWith("output directory " + where + ": is not writable"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            if (!root) {
                assertEquals("output directory " + where + ": is not writable (permission denied)", e.getMessage());
                assertEquals(0, Files.list(dir).count(), "nothing written");
            }
        } finally {
            dir.toFile().setWritable(true, false);
        }
    }

    @Test
    void plotsWritePngs(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("p.png");
        Plots.lineLogX(png, "t", "V", "y", List.of(
                new Plots.Series("a", new double[] {10, 100, 1000}, new double[] {1, Double.NaN, 3}, false),
                new Plots.Series("b", new double[] {10, 1000}, new double[] {2, 4}, true)));
        byte[] b = Files.readAllBytes(png);
        assertTrue(b.length > 1000);
        assertEquals((byte) 0x89, b[0]);
        assertEquals('P', b[1]);
        Plots.lineLogX(tmp.resolve("empty.png"), "t", "V", "y", List.of());
        assertTrue(Files.exists(tmp.resolve("empty.png")));
    }
}
