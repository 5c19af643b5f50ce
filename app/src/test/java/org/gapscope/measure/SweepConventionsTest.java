package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.positional.PositionalAttenuation.FrequencyGrid;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every typed sweep shares: batched points, resume after a stop, the weighted ETA, non-finite values in JSON. */
class SweepConventionsTest {
    @TempDir
    Path tmp;

    static final Backend REF = new ReferenceBackend();

    /** A dense scan of 20000 distances: three batches of at most 8192. */
    static PositionalSweep dense() {
        return PositionalSweep.of(FrequencyGrid.uniform, 64, 0.01, 1, 10000, 512,
                PositionalAttenuationScan.dense(20000), "dense scan to 20000", "fixed:4096");
    }

    /** The same sweep, raising the stop signal once the first batch is computed. */
    record StopAfterFirstBatch(PositionalSweep inner, StopSignal stop) implements Sweep<PositionalSweep.Point> {
        public Layout layout() { return inner.layout(); }
        public List<PositionalSweep.Point> points() { return inner.points(); }
        public Map<String, Object> parameters(String b) { return inner.parameters(b); }
        public List<?> seeds() { return inner.seeds(); }
        public Map<String, Object> compute(PositionalSweep.Point p, Backend b) { return inner.compute(p, b); }
        public int pointsPerBatch() { return inner.pointsPerBatch(); }
        public List<Map<String, Object>> computeBatch(List<PositionalSweep.Point> p, Backend b, Progress.Mode m) {
            stop.request();
            return inner.computeBatch(p, b, m);
        }
        public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) { return inner.plots(run, rows); }
        public void summarize(RunDirectory run, List<Map<String, Object>> rows) { inner.summarize(run, rows); }
    }

    @Test
    void positionalWritesOneRowPerDistanceInBatchesAndResumesToTheSameBytes() throws Exception {
        Path fresh = tmp.resolve("fresh");
        Sweep.Outcome all = dense().run(fresh, REF, List.of("positional"), Progress.Mode.OFF, StopSignal.manual());
        assertFalse(all.interrupted());
        assertEquals(20000, Files.readAllLines(fresh.resolve(PointLog.JSONL)).size());
        assertEquals(20001, Files.readAllLines(fresh.resolve(PointLog.CSV)).size());
        assertTrue(Files.size(fresh.resolve(PositionalSweep.PNG)) > 0 && Files.size(fresh.resolve(PositionalSweep.PDELTA_PNG)) > 0);

        Path dir = tmp.resolve("stopped");
        StopSignal stop = StopSignal.manual();
        Sweep.Outcome first = new StopAfterFirstBatch(dense(), stop).run(dir, REF, List.of("positional"), Progress.Mode.OFF, stop);
        assertTrue(first.interrupted());
        assertEquals(PositionalSweep.BATCH, first.rows().size(), "the loop stops between batches, after a whole one");
        assertEquals(PositionalSweep.BATCH, Files.readAllLines(dir.resolve(PointLog.JSONL)).size());
        Sweep.Outcome rest = dense().run(dir, REF, List.of("positional", "again"), Progress.Mode.OFF, StopSignal.manual());
        assertEquals(PositionalSweep.BATCH, rest.loop().skipped());
        assertEquals(20000 - PositionalSweep.BATCH, rest.loop().computed());
        assertEquals(Files.readString(fresh.resolve(PointLog.JSONL)), Files.readString(dir.resolve(PointLog.JSONL)));
        assertEquals(Files.readString(fresh.resolve(PointLog.CSV)), Files.readString(dir.resolve(PointLog.CSV)));
        assertEquals(Files.readString(fresh.resolve(PositionalSweep.REVIVALS)), Files.readString(dir.resolve(PositionalSweep.REVIVALS)));
        Map<String, Object> summary = dense().curve(rest.rows(), null).header();
        assertEquals(20000, summary.get("deltaPoints"));
        Map<?, ?> manifest = JsonValues.PRETTY.readValue(dir.resolve(RunDirectory.MANIFEST).toFile(), Map.class);
        assertEquals(List.of("positional"), manifest.get("commandLine"), "the first command line stays");
        assertEquals(List.of("positional", "again"), ((Map<?, ?>) ((List<?>) manifest.get("resumes")).get(0)).get("commandLine"));
        assertEquals("complete", manifest.get("status"));
    }

    @Test
    void theEtaIsWeightedByPointSize() throws Exception {
        // two points, the second 99 times larger: after the first, the time left is 99 times the time spent
        try (Progress p = Progress.start("t", 2, 0, 100, 0, Progress.Mode.OFF)) {
            Thread.sleep(50);
            p.step(1, 1);
            Duration left = p.remaining().orElseThrow();
            assertTrue(left.toMillis() >= 99 * 50, "ETA " + left + " ignores that the last point is 99 times larger");
        }
        // equal points: the time left is about the time spent
        try (Progress p = Progress.start("t", 2, 0, 2, 0, Progress.Mode.OFF)) {
            Thread.sleep(50);
            p.step(1, 1);
            Duration left = p.remaining().orElseThrow();
            assertTrue(left.toMillis() >= 50 && left.toMillis() < 99 * 50, "ETA " + left);
        }
        // a resume: the points done before do not count as work done in this run
        try (Progress p = Progress.start("t", 3, 1, 3, 1, Progress.Mode.OFF)) {
            assertTrue(p.remaining().isEmpty());
            assertEquals("?", p.eta());
        }
    }

    @Test
    void nonFiniteValuesAreNullInJsonNamedInTheRowAndRestoredOnRead() throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("k", 1);
        row.put("a", Double.NaN);
        row.put("b", Double.NEGATIVE_INFINITY);
        row.put("c", 2.5);
        row.put("d", null);
        String json = JsonValues.LINE.writeValueAsString(JsonValues.annotate(row));
        assertEquals("{\"k\":1,\"a\":null,\"b\":null,\"c\":2.5,\"d\":null,\"nonFiniteValues\":{\"a\":\"NaN\",\"b\":\"-Infinity\"}}", json);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = JsonValues.restore(JsonValues.LINE.readValue(json, LinkedHashMap.class));
        assertEquals(row, back);
        assertEquals("[1.0,null,null]", JsonValues.LINE.writeValueAsString(new double[] {1, Double.NaN, Double.POSITIVE_INFINITY}));
        // through the point log: JSON null, CSV NaN, and the CSV rebuilt on resume from the JSON is the same
        try (PointLog log = new PointLog(tmp, List.of("k"), List.of("k", "a", "b", "c", "d"))) {
            log.append(row);
        }
        String csv = Files.readString(tmp.resolve(PointLog.CSV));
        assertEquals("k,a,b,c,d\n1,NaN,-Infinity,2.5,\n", csv);
        try (PointLog log = new PointLog(tmp, List.of("k"), List.of("k", "a", "b", "c", "d"))) {
            assertEquals(row, log.rows().get(0));
        }
        assertEquals(csv, Files.readString(tmp.resolve(PointLog.CSV)));
        assertEquals(json + "\n", Files.readString(tmp.resolve(PointLog.JSONL)));
    }

    /** Scan grids for the tests. */
    static final class PositionalAttenuationScan {
        static double[] dense(int max) {
            return org.gapscope.positional.PositionalAttenuation.scan(max, true, 0);
        }
    }
}
