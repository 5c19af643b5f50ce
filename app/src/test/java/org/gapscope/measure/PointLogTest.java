package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** points.jsonl / points.csv: escaping, the duplicate guard, corrupt lines, read-back. */
class PointLogTest {
    static final List<String> KEYS = List.of("V", "law");
    static final List<String> COLS = List.of("V", "law", "value", "note");

    static Map<String, Object> row(Object v, Object law, Object value, Object note) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("V", v);
        r.put("law", law);
        r.put("value", value);
        r.put("note", note);
        return r;
    }

    /** The run directory of a test command "t" without parameters (opened anew for a resume). */
    static RunDirectory open(Path dir) {
        return RunDirectory.open(dir, "t", Map.of(), List.of(), List.of(), null);
    }

    @Test
    void csvCellsAreQuotedExactlyWhenTheyMustBe() {
        assertEquals("", PointLog.csvCell(null));
        assertEquals("plain", PointLog.csvCell("plain"));
        assertEquals("\"a\"\"b\"", PointLog.csvCell("a\"b"), "a quote only");
        assertEquals("\"\"\"\"", PointLog.csvCell("\""), "nothing but a quote");
        assertEquals("\"a\nb\"", PointLog.csvCell("a\nb"), "a newline");
        assertEquals("\"a\rb\"", PointLog.csvCell("a\rb"), "a carriage return");
        assertEquals("\",lead\"", PointLog.csvCell(",lead"), "a leading comma");
        assertEquals("\"\nlead\"", PointLog.csvCell("\nlead"), "a leading newline");
        assertEquals("\"\rlead\"", PointLog.csvCell("\rlead"), "a leading carriage return");
        assertEquals("\"trail,\"", PointLog.csvCell("trail,"), "a trailing comma");
        assertEquals("", PointLog.csvCell(""));
        assertEquals("1.5", PointLog.csvCell(1.5));
        assertEquals("NaN", PointLog.csvCell(Double.NaN));
        assertEquals("-Infinity", PointLog.csvCell(Double.NEGATIVE_INFINITY));
        assertEquals("2.5", PointLog.csvCell(2.5f));
        assertEquals("12345678901", PointLog.csvCell(12345678901L));
        assertEquals("true", PointLog.csvCell(true));
        assertEquals("\"[1,2]\"", PointLog.csvCell(List.of(1, 2)), "a list is JSON, quoted for its comma");
        assertEquals("[3]", PointLog.csvCell(List.of(3)), "a list without a comma needs no quotes");
        assertEquals("\"{\"\"a\"\":\"\"b\"\"}\"", PointLog.csvCell(Map.of("a", "b")));
        assertEquals("[null]", PointLog.csvCell(List.of(Double.NaN)), "JSON has no NaN: a list cell holds null");
    }

    @Test
    void rowsWithEveryKindOfCellSurviveAResume(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        List<Map<String, Object>> rows = List.of(
                row(1, "a\"b", 0.5, null),
                row(2, "line\nbreak", Double.POSITIVE_INFINITY, "cr\rhere"),
                row(3, ",lead", List.of(1.5, 2.0), true),
                row(4, "x", null, null));
        try (PointLog log = run.points(KEYS, COLS)) {
            assertEquals(0, log.resumed());
            assertEquals(0, log.droppedBytes());
            for (Map<String, Object> r : rows) {
                assertFalse(log.done(r));
                log.append(r);
                assertTrue(log.done(r));
            }
            assertEquals(4, log.size());
            assertEquals(COLS, log.columns());
            assertEquals(KEYS, log.keyColumns());
            assertEquals(COLS, List.copyOf(PointLog.header(log)));
        }
        String csv = Files.readString(dir.resolve(PointLog.CSV));
        assertEquals("V,law,value,note\n"
                + "1,\"a\"\"b\",0.5,\n"
                + "2,\"line\nbreak\",Infinity,\"cr\rhere\"\n"
                + "3,\",lead\",\"[1.5,2.0]\",true\n"
                + "4,x,,\n", csv);
        String jsonl = Files.readString(dir.resolve(PointLog.JSONL));
        assertEquals("{\"V\":1,\"law\":\"a\\\"b\",\"value\":0.5,\"note\":null}\n"
                + "{\"V\":2,\"law\":\"line\\nbreak\",\"value\":null,\"note\":\"cr\\rhere\",\"nonFiniteValues\":{\"value\":\"Infinity\"}}\n"
                + "{\"V\":3,\"law\":\",lead\",\"value\":[1.5,2.0],\"note\":true}\n"
                + "{\"V\":4,\"law\":\"x\",\"value\":null,\"note\":null}\n", jsonl);
        run.finish("complete", 4);
        // reopening rewrites the CSV from the JSON lines: the same bytes
        try (PointLog log = open(dir).points(KEYS, COLS)) {
            assertEquals(4, log.resumed());
            assertEquals(4, log.size());
            assertEquals(csv, Files.readString(dir.resolve(PointLog.CSV)));
            assertEquals(jsonl, Files.readString(dir.resolve(PointLog.JSONL)));
            for (Map<String, Object> r : rows) {
                assertTrue(log.done(r), "resumed " + r);
            }
            Map<String, Object> back = log.get(rows.get(1));
            assertEquals(Double.POSITIVE_INFINITY, back.get("value"), "restored from nonFiniteValues");
            assertEquals(Double.POSITIVE_INFINITY, PointLog.number(back, "value"));
            assertEquals(0.5, PointLog.number(log.get(rows.get(0)), "value"));
            assertTrue(Double.isNaN(PointLog.number(log.get(rows.get(3)), "value")), "null is NaN");
            assertNull(log.get(row(9, "x", null, null)));
            assertEquals(4, log.rows().size());
            assertEquals(2, log.rows().get(1).get("V"));
        }
        assertFalse(Files.exists(dir.resolve(PointLog.CSV + ".tmp")));
    }

    @Test
    void aPointIsRecordedOnce(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        try (PointLog log = run.points(KEYS, COLS)) {
            log.append(row(10, "gauss", 1.0, "first"));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> log.append(row(10, "gauss", 2.0, "second")));
            assertEquals("point [10,\"gauss\"] is already recorded", e.getMessage());
            // another value in a key column is another point
            log.append(row(10, "gumbel", 2.0, null));
            log.append(row(11, "gauss", 2.0, null));
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> log.append(Map.of("V", 12, "law", "x", "extra", 1)));
            assertEquals("column 'extra' is not one of " + COLS, bad.getMessage());
            assertEquals(3, log.size());
        }
        run.finish("interrupted", 3);
        byte[] before = Files.readAllBytes(dir.resolve(PointLog.JSONL));
        try (PointLog log = open(dir).points(KEYS, COLS)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> log.append(row(10, "gauss", 3.0, null)));
            assertEquals("point [10,\"gauss\"] is already recorded", e.getMessage(), "also for points read back");
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(PointLog.JSONL)), "a refused point writes nothing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PointLog(dir, List.of("V", "seed"), COLS));
        assertEquals("key columns [V, seed] must be among the columns " + COLS, e.getMessage());
    }

    /** Rows kept in memory after an append equal the rows read back from disk, types included. */
    @Test
    void appendedRowsLookAsIfReadBack(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        List<Map<String, Object>> before;
        try (PointLog log = run.points(KEYS, COLS)) {
            log.append(row(1, "f", 0.1f, (short) 7));
            log.append(row(2, "b", (byte) 3, 5L));
            log.append(row(3L, "l", 1L << 40, false));
            log.append(row(4, "list", List.of(1, 2.5), Map.of("k", "v")));
            Map<String, Object> partial = new LinkedHashMap<>();
            partial.put("V", 5);
            partial.put("law", "partial");
            log.append(partial);
            before = log.rows();
        }
        run.finish("complete", 5);
        try (PointLog log = open(dir).points(KEYS, COLS)) {
            List<Map<String, Object>> after = log.rows();
            assertEquals(after, before);
            for (int i = 0; i < after.size(); i++) {
                for (String c : after.get(i).keySet()) {
                    Object a = after.get(i).get(c);
                    Object b = before.get(i).get(c);
                    assertEquals(a == null ? null : a.getClass(), b == null ? null : b.getClass(), "row " + i + " " + c);
                }
                assertEquals(after.get(i).keySet(), before.get(i).keySet(), "row " + i + " columns");
            }
            assertEquals(0.1, before.get(0).get("value"), "a float as the double its text reads back to");
            assertEquals(7, before.get(0).get("note"));
            assertEquals(5, before.get(1).get("note"), "a small long reads back as an int");
            assertEquals(1L << 40, before.get(2).get("value"));
            assertEquals(3, before.get(2).get("V"));
        }
    }

    @Test
    void appendAllWritesWholeBatchesOrNothing(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        try (PointLog log = run.points(KEYS, COLS)) {
            log.appendAll(List.of());
            assertEquals(0, log.size());
            assertEquals("", Files.readString(dir.resolve(PointLog.JSONL)));
            log.appendAll(List.of(row(1, "a", 0.5, null), row(2, "a", 1.5, "n"), row(1, "b", 2.5, null)));
            assertEquals(3, log.size());
            assertEquals(1.5, PointLog.number(log.get(row(2, "a", null, null)), "value"));
            // a batch that repeats a key within itself, or a recorded key, writes nothing
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> log.appendAll(List.of(row(3, "a", 0.0, null), row(3, "a", 1.0, null))));
            assertEquals("point [3,\"a\"] is already recorded", e.getMessage());
            e = assertThrows(IllegalStateException.class,
                    () -> log.appendAll(List.of(row(4, "a", 0.0, null), row(1, "b", 1.0, null))));
            assertEquals("point [1,\"b\"] is already recorded", e.getMessage());
            assertEquals(3, log.size());
            assertFalse(log.done(row(3, "a", null, null)));
            assertFalse(log.done(row(4, "a", null, null)));
        }
        run.finish("complete", 3);
        assertEquals(3, Files.readAllLines(dir.resolve(PointLog.JSONL)).size());
        assertEquals("V,law,value,note\n1,a,0.5,\n2,a,1.5,n\n1,b,2.5,\n", Files.readString(dir.resolve(PointLog.CSV)));
    }

    @Test
    void aCorruptLineThatIsNotTheLastIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        try (PointLog log = run.points(KEYS, COLS)) {
            for (int v = 1; v <= 4; v++) {
                log.append(row(v, "g", v * 0.5, null));
            }
        }
        run.finish("complete", 4);
        Path jsonl = dir.resolve(PointLog.JSONL);
        List<String> lines = new ArrayList<>(Files.readAllLines(jsonl));
        lines.set(2, "{\"V\":3,\"law\":\"g\",\"val");       // line 3 of 4 edited
        String edited = String.join("\n", lines) + "\n";
        Files.writeString(jsonl, edited);
        String csvBefore = Files.readString(dir.resolve(PointLog.CSV));
        InputException e = assertThrows(InputException.class, () -> new PointLog(dir, KEYS, COLS));
        assertEquals(jsonl + ": line 3 is corrupt (not JSON) and is not the last line; the run directory was edited",
                e.getMessage());
        assertEquals(edited, Files.readString(jsonl), "nothing is cut off an edited file");
        assertEquals(csvBefore, Files.readString(dir.resolve(PointLog.CSV)), "nor is the CSV rewritten");
        // the first line corrupt
        lines.set(2, "{\"V\":3,\"law\":\"g\",\"value\":1.5,\"note\":null}");
        lines.set(0, "garbage");
        Files.writeString(jsonl, String.join("\n", lines) + "\n");
        e = assertThrows(InputException.class, () -> new PointLog(dir, KEYS, COLS));
        assertEquals(jsonl + ": line 1 is corrupt (not JSON) and is not the last line; the run directory was edited",
                e.getMessage());
        // an empty line is not JSON either; its number counts the lines before it only
        Files.writeString(jsonl, lines.get(1) + "\n\n" + lines.get(2) + "\n");
        e = assertThrows(InputException.class, () -> new PointLog(dir, KEYS, COLS));
        assertEquals(jsonl + ": line 2 is corrupt (not JSON) and is not the last line; the run directory was edited",
                e.getMessage());
        // readRows stops at the first corrupt line and skips blank ones
        Files.writeString(jsonl, lines.get(1) + "\n\n" + lines.get(2) + "\ngarbage\n" + lines.get(3) + "\n");
        List<Map<String, Object>> rows = PointLog.readRows(jsonl);
        assertEquals(2, rows.size());
        assertEquals(3, rows.get(1).get("V"));
    }

    @Test
    void aTornLastLineIsCutAndCounted(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = open(dir);
        try (PointLog log = run.points(KEYS, COLS)) {
            log.append(row(1, "g", 0.5, null));
        }
        run.finish("interrupted", 1);
        Path jsonl = dir.resolve(PointLog.JSONL);
        String good = Files.readString(jsonl);
        // a torn tail without a newline, and a complete but unparsable last line
        for (String torn : List.of("{\"V\"", "{\"V\":2,\n")) {
            Files.writeString(jsonl, good + torn);
            try (PointLog log = new PointLog(dir, KEYS, COLS)) {
                assertEquals(1, log.resumed());
                assertEquals(torn.getBytes(StandardCharsets.UTF_8).length, log.droppedBytes(), torn);
            }
            assertEquals(good, Files.readString(jsonl));
        }
        assertEquals("V,law,value,note\n1,g,0.5,\n", Files.readString(dir.resolve(PointLog.CSV)));
    }

    /** A batch of rows that must be parsed back (list and map cells): each row from its own line. */
    @Test
    void aBatchOfParsedRowsReadsBackLineByLine(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory run = RunDirectory.open(dir, "t", Map.of(), List.of(), List.of(), null);
        List<Map<String, Object>> before;
        try (PointLog log = run.points(KEYS, COLS)) {
            log.appendAll(List.of(row(1, "a", List.of(1.5, 2), "x"), row(2, "b", Map.of("k", 3), null),
                    row(3, "c", 0.25, "plain"), row(4, "d", List.of(), List.of("s"))));
            before = log.rows();
        }
        run.finish("complete", 4);
        assertEquals(List.of(1.5, 2), before.get(0).get("value"));
        assertEquals(Map.of("k", 3), before.get(1).get("value"));
        assertEquals(List.of("s"), before.get(3).get("note"));
        assertEquals(PointLog.readRows(dir.resolve(PointLog.JSONL)), before);
    }

    /** The log's two files are open while it is and closed after (Linux: counted in /proc/self/fd). */
    @Test
    void closingReleasesBothFiles(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Descriptors.FD), "Linux /proc");
        Path dir = tmp.resolve("run");
        RunDirectory run = RunDirectory.open(dir, "t", Map.of(), List.of(), List.of(), null);
        PointLog log = run.points(KEYS, COLS);
        log.append(row(1, "a", 0.5, null));
        assertEquals(1, Descriptors.on(dir.resolve(PointLog.JSONL)));
        assertEquals(1, Descriptors.on(dir.resolve(PointLog.CSV)));
        log.close();
        assertEquals(0, Descriptors.on(dir.resolve(PointLog.JSONL)), "points.jsonl closed");
        assertEquals(0, Descriptors.on(dir.resolve(PointLog.CSV)), "points.csv closed");
        run.finish("complete", 1);
    }

    @Test
    void numbersOfRowsReadBack() {
        assertEquals(3.0, PointLog.number(Map.of("x", 3), "x"));
        assertEquals(3.0e10, PointLog.number(Map.of("x", 30000000000L), "x"));
        assertEquals(Double.NEGATIVE_INFINITY, PointLog.number(Map.of("x", "-Infinity"), "x"));
        assertTrue(Double.isNaN(PointLog.number(Map.of("x", true), "x")));
        assertTrue(Double.isNaN(PointLog.number(Map.of(), "x")));
        assertEquals("[1,null,\"s\"]", PointLog.json(Arrays.asList(1, null, "s")));
    }
}
