package org.gapscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.RunLoop;
import org.gapscope.measure.StopSignal;
import org.gapscope.measure.Sweep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --spark local[2]}: the points are the plain run's bytes, failures land as one line each, bad
 * masters and run directories are refused before anything is written.
 *
 * <p>The backend is mostly {@code reference}: Spark must not change a bit, and the reference's bits
 * depend on nothing but the input; the cpu backend, whose bits no longer depend on the JIT's state
 * either, is tested for {@code auto} and for split crowding points.
 */
class LocalSparkTest {

    @Test
    void sweepAndCrowdingOnLocalSparkEqualThePlainRunBitForBit(@TempDir Path tmp) throws Exception {
        for (String command : List.of("sweep", "crowding")) {
            Path plain = tmp.resolve(command + "-plain");
            Path spark = tmp.resolve(command + "-spark");
            List<String> plainArgs = command.equals("sweep") ? Runs.sweep(plain, "reference") : Runs.crowding(plain, "reference");
            List<String> sparkArgs = command.equals("sweep") ? Runs.sweep(spark, "reference") : Runs.crowding(spark, "reference");
            Runs.Result p = Runs.cli(plainArgs);
            assertEquals(0, p.code(), p.err());
            Runs.Result s = Runs.cli(Runs.with(sparkArgs, "--spark", "local[2]"));
            assertEquals(0, s.code(), s.err());
            Runs.assertSamePointsOnce(plain, spark);
            assertTrue(Files.readString(spark.resolve(RunDirectory.MANIFEST)).contains("\"cluster\" : \"spark local[2]"));
            // the same directory again: nothing left to compute, nothing added
            Runs.Result again = Runs.cli(Runs.with(sparkArgs, "--spark", "local[2]"));
            assertEquals(0, again.code(), again.err());
            Runs.assertSamePointsOnce(plain, spark);
        }
    }

    @Test
    void aCrowdingPointSplitIntoRepetitionRangesEqualsTheOneMachinePoint(@TempDir Path tmp) throws Exception {
        Path plain = tmp.resolve("plain");
        Path split = tmp.resolve("split");
        // 64 repetitions in batches of 10: 7 batches, split over local[3]'s 3 slots into ranges of 2, 2 and 3 batches
        List<String> args = List.of("crowding", "--n", "100,5000", "--reps", "64", "--batch", "10", "--law", "gaussian,student-t",
                "--backend", "reference", "--progress", "off", "--format", "json");
        assertEquals(0, Runs.cli(Runs.with(args, "--out", plain.toString())).code());
        System.setProperty("gapscope.splitWork", "1");
        try {
            Runs.Result r = Runs.cli(Runs.with(args, "--out", split.toString(), "--spark", "local[3]"));
            assertEquals(0, r.code(), r.err());
        } finally {
            System.clearProperty("gapscope.splitWork");
        }
        Runs.assertSamePointsOnce(plain, split);
    }

    /**
     * Few repetitions of a large N (one batch, fewer batches than slots): the point splits into index ranges
     * of every repetition, chunk states merged on the driver in range order. On cpu, 300000 distractors are 5
     * chunks of 60000 (3 ranges: 1, 2 and 2 chunks; 131073 distractors: 3 chunks of 43691, the second
     * starting at an odd index); the reference backend has no chunks (its whole result comes from range 0).
     */
    @Test
    void aCrowdingPointSplitIntoIndexRangesEqualsTheOneMachinePoint(@TempDir Path tmp) throws Exception {
        for (String backend : List.of("cpu", "reference")) {
            Path plain = tmp.resolve("plain-" + backend);
            Path split = tmp.resolve("split-" + backend);
            List<String> args = List.of("crowding", "--n", backend.equals("cpu") ? "300001,131074" : "3001", "--reps", "3",
                    "--law", "gaussian,student-t", "--backend", backend, "--progress", "off", "--format", "json");
            assertEquals(0, Runs.cli(Runs.with(args, "--out", plain.toString())).code());
            System.setProperty("gapscope.splitWork", "1");
            try {
                Runs.Result r = Runs.cli(Runs.with(args, "--out", split.toString(), "--spark", "local[3]"));
                assertEquals(0, r.code(), r.err());
            } finally {
                System.clearProperty("gapscope.splitWork");
            }
            Runs.assertSamePointsOnce(plain, split);
        }
    }

    @Test
    void aSweepGapPointSplitIntoTokenRangesEqualsTheOneMachinePoint(@TempDir Path tmp) throws Exception {
        Path plain = tmp.resolve("plain");
        // 7 tokens: 2 ranges (3 + 4 tokens) on local[2], 3 ranges (2 + 2 + 3) on local[3]; odd H V, so ranges
        // start inside a Gaussian pair
        List<String> args = List.of("sweep", "gap", "--vocab", "301", "--heads", "3", "--tokens", "7,2",
                "--law", "gaussian,correlated", "--seed", "4", "--backend", "reference", "--progress", "off", "--format", "json");
        assertEquals(0, Runs.cli(Runs.with(args, "--out", plain.toString())).code());
        for (String master : List.of("local[2]", "local[3]")) {
            Path split = tmp.resolve("split-" + master.charAt(6));
            System.setProperty("gapscope.splitWork", "1");
            try {
                Runs.Result r = Runs.cli(Runs.with(args, "--out", split.toString(), "--spark", master));
                assertEquals(0, r.code(), r.err());
            } finally {
                System.clearProperty("gapscope.splitWork");
            }
            Runs.assertSamePointsOnce(plain, split);
        }
    }

    /**
     * {@code --backend auto} on a cluster: the run's backend is {@code auto} (identity and manifest), each
     * executor chooses for itself (here cpu: no TornadoVM on this class path) and each row names it; a run
     * directory of {@code auto} is not resumed with another backend.
     */
    @Test
    void autoIsResolvedPerExecutorAndEachPointNamesItsBackend(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("auto");
        Path cpu = tmp.resolve("cpu");
        assertEquals(0, Runs.cli(Runs.sweep(cpu, "cpu")).code());
        Runs.Result r = Runs.cli(Runs.with(Runs.sweep(out, "auto"), "--spark", "local[2]"));
        assertEquals(0, r.code(), r.err());
        Map<String, Object> manifest = RunDirectory.recordedParameters(out);
        assertEquals("auto", manifest.get("backend"), manifest.toString());
        String m = Files.readString(out.resolve(RunDirectory.MANIFEST));
        assertTrue(m.contains("\"backend\" : \"auto\"") && m.contains("per executor"), m);
        List<Map<String, Object>> rows = PointLog.readRows(out.resolve(PointLog.JSONL));
        assertEquals(8, rows.size());
        for (Map<String, Object> row : rows) {
            assertEquals("cpu", row.get(Cluster.BACKEND_COLUMN), row.toString());
        }
        assertTrue(Files.readString(out.resolve(PointLog.CSV)).lines().findFirst().orElseThrow().endsWith(",backend"));
        // the same rows as a plain cpu run, apart from the backend column
        List<String> plain = Runs.rows(cpu);
        List<String> auto = Runs.rows(out).stream().map(l -> l.replace(",\"backend\":\"cpu\"", "")).sorted().toList();
        assertEquals(plain, auto);
        // resuming with a named backend is a different run: refused, one line, nothing lost
        Runs.Result other = Runs.cli(Runs.with(Runs.sweep(out, "cpu"), "--spark", "local[2]"));
        assertEquals(2, other.code(), other.err());
        assertEquals(8, PointLog.readRows(out.resolve(PointLog.JSONL)).size());
    }

    /** A sweep of points 0..n-1 with result i^2, whose point {@code failAt} throws (an input problem or a bug). */
    record Squares(int n, int failAt, boolean inputProblem) implements Sweep<Squares.Point> {
        record Point(int i) implements Sweep.Point {
            @Override
            public Map<String, Object> key() {
                return new LinkedHashMap<>(Map.of("i", i));
            }
        }

        @Override
        public Layout layout() {
            return new Layout("test", List.of("i"), List.of("i", "square"));
        }

        @Override
        public List<Point> points() {
            return java.util.stream.IntStream.range(0, n).mapToObj(Point::new).toList();
        }

        @Override
        public Map<String, Object> parameters(String backend) {
            return Map.of("n", n);
        }

        @Override
        public List<?> seeds() {
            return List.of();
        }

        @Override
        public Map<String, Object> compute(Point p, Backend backend) {
            if (p.i() == failAt) {
                if (inputProblem) {
                    throw new InputException("--backend: tornado is not available here");
                }
                throw new IllegalStateException("boom at " + p.i());
            }
            return Map.of("square", p.i() * p.i());
        }

        @Override
        public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
            return List.of();
        }
    }

    @Test
    void aFailingPointIsOneLineAndTheOthersLand(@TempDir Path tmp) throws Exception {
        Squares sweep = new Squares(6, 3, false);
        RunDirectory run = RunDirectory.open(tmp.resolve("run"), "test", Map.of(), List.of(), List.of(), null);
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        RunLoop.Result r;
        try (Cluster c = Cluster.open("local[2]", "test"); PointLog log = run.points(sweep.keyColumns(), sweep.columns())) {
            System.setErr(new java.io.PrintStream(captured, true));
            try {
                r = RunLoop.run(sweep, log, sweep.points(), c, "reference", Progress.Mode.OFF, StopSignal.manual());
            } finally {
                System.setErr(saved);
            }
            assertEquals(5, r.computed());
            assertEquals(1, r.failed());
            assertEquals(5, log.size());
            assertFalse(log.done(sweep.points().get(3).key()));
        }
        List<String> lines = captured.toString().lines().filter(l -> l.startsWith("test: point")).toList();
        assertEquals(1, lines.size(), captured.toString());
        assertTrue(lines.get(0).contains("{i=3}") && lines.get(0).contains("boom at 3"), lines.get(0));
    }

    @Test
    void anExecutorWithoutTheBackendIsAnInputProblemAfterTheOthersLanded(@TempDir Path tmp) throws Exception {
        Squares sweep = new Squares(4, 1, true);
        RunDirectory run = RunDirectory.open(tmp.resolve("run"), "test", Map.of(), List.of(), List.of(), null);
        try (Cluster c = Cluster.open("local[2]", "test"); PointLog log = run.points(sweep.keyColumns(), sweep.columns())) {
            InputException e = assertThrows(InputException.class,
                    () -> RunLoop.run(sweep, log, sweep.points(), c, "reference", Progress.Mode.OFF, StopSignal.manual()));
            assertTrue(e.getMessage().startsWith("--backend: tornado is not available here (executor driver on "), e.getMessage());
            assertEquals(3, log.size());
        }
    }

    @Test
    void badMastersAndRunDirectoriesAreOneLineExitTwo(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        for (String[] c : new String[][] {
            {"spork://127.0.0.1:7077", "not a Spark master URL"},
            {"local[two]", "not a Spark master URL"},
            {"spark://127.0.0.1:1", "the Spark master cannot be reached"},
        }) {
            Runs.Result r = Runs.cli(Runs.with(Runs.sweep(out, "reference"), "--spark", c[0]));
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains(c[1]) && r.err().contains(c[0]), r.err());
            assertFalse(Files.exists(out), "nothing may be written for a bad master");
        }
        Path hidden = tmp.resolve("no-such-mount").resolve("run");
        Runs.Result r = Runs.cli(Runs.with(Runs.crowding(hidden, "reference"), "--spark", "local[1]"));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("does not exist on the driver"), r.err());
        // a run directory with points keeps them when a later --spark run is refused
        assertEquals(0, Runs.cli(Runs.sweep(out, "reference")).code());
        List<String> before = Runs.rows(out);
        Runs.Result refused = Runs.cli(Runs.with(Runs.sweep(out, "reference"), "--spark", "spark://127.0.0.1:1"));
        assertEquals(2, refused.code());
        assertEquals(before, Runs.rows(out));
    }

}
