package org.gapscope.measure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.InputException;

/**
 * The resumable record of a run's finished points: {@code points.jsonl} (one compact JSON object per
 * line, the source of truth) and {@code points.csv} (the same rows as CSV with a header), both in a
 * {@link RunDirectory}.
 *
 * <p><b>Atomicity.</b> {@link #append} writes a point's JSON line with one {@link FileChannel#write}
 * of the whole line followed by {@link FileChannel#force}, and only then the CSV row (also forced). A
 * crash (even SIGKILL) can therefore leave at most a torn last line in either file. When a log is
 * opened again, the valid lines of {@code points.jsonl} are read back (a torn or unparsable last line is
 * cut off the file), and {@code points.csv} is rewritten from them (to a temporary file, then an atomic
 * rename), so the two files always hold the same points, each exactly once.
 *
 * <p><b>Keys.</b> A point is identified by the values of the {@code keyColumns} (the grid's parameters),
 * rendered as a compact JSON array: a point built in memory and the same point read back from the file
 * give the same key (Jackson writes a double the same way both times, {@link Double#toString}). Re-running
 * a command on the same directory asks {@link #done(Map)} and skips the points already there. Values are
 * written with the shortest representation that reads back to the same double, so a resumed run's
 * earlier rows stay byte-identical.
 *
 * <p><b>Values.</b> Cells may be numbers, strings, booleans, {@code null} (written as JSON null and as an
 * empty CSV cell), or arrays/lists (written as JSON arrays; in CSV as a quoted JSON string). Non-finite
 * doubles are written as {@code null} in JSON, the row naming them in {@code nonFiniteValues}
 * ({@link JsonValues}; restored as doubles when read back), and as {@code NaN}, {@code Infinity},
 * {@code -Infinity} in CSV. Thread-safe.
 *
 * <p>Typical use (see {@link RunLoop} for the loop with progress and Ctrl-C):
 * <pre>{@code
 * RunDirectory run = RunDirectory.open(out, "sweep gap", params, args, backend);
 * try (PointLog log = run.points(List.of("V", "H", "seed"), List.of("V", "H", "seed", "gamma"))) {
 *     for (Map<String, Object> p : grid) {
 *         if (log.done(p)) continue;
 *         Map<String, Object> row = new LinkedHashMap<>(p);
 *         row.put("gamma", compute(p));
 *         log.append(row);
 *     }
 * }
 * }</pre>
 */
public final class PointLog implements AutoCloseable {
    /** Compact JSON for points.jsonl; non-finite doubles as null (see {@link JsonValues}). */
    static final ObjectMapper LINE = JsonValues.LINE;

    public static final String JSONL = "points.jsonl";
    public static final String CSV = "points.csv";

    private final Path jsonl;
    private final Path csv;
    private final List<String> keyColumns;
    private final List<String> columns;
    private final Map<String, Map<String, Object>> points = new LinkedHashMap<>();
    private final FileChannel jsonlChannel;
    private final FileChannel csvChannel;
    private final int resumed;
    private final long droppedBytes;

    /**
     * Opens (creating or resuming) the point files in {@code dir}.
     *
     * @param keyColumns the columns whose values identify a point (a subset of {@code columns})
     * @param columns    every column, in CSV order; rows may leave some out (empty cells)
     */
    PointLog(Path dir, List<String> keyColumns, List<String> columns) {
        this.jsonl = dir.resolve(JSONL);
        this.csv = dir.resolve(CSV);
        this.keyColumns = List.copyOf(keyColumns);
        this.columns = List.copyOf(columns);
        if (!this.columns.containsAll(this.keyColumns)) {
            throw new IllegalArgumentException("key columns " + keyColumns + " must be among the columns " + columns);
        }
        try {
            this.droppedBytes = readBack();
            this.resumed = points.size();
            rewriteCsv();
            this.jsonlChannel = FileChannel.open(jsonl, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            this.csvChannel = FileChannel.open(csv, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new InputException(dir + ": cannot write the point files: " + e.getMessage(), e);
        }
    }

    /** Reads the valid lines of points.jsonl; cuts a torn last line off the file; returns bytes cut. */
    private long readBack() throws IOException {
        if (!Files.exists(jsonl)) {
            return 0;
        }
        byte[] all = Files.readAllBytes(jsonl);
        int start = 0;
        int validEnd = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            Map<String, Object> row;
            try {
                row = JsonValues.restore(LINE.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {}));
            } catch (JsonProcessingException e) {
                if (i + 1 < all.length) {
                    throw new InputException(jsonl + ": line " + (countLines(all, start) + 1)
                            + " is corrupt (not JSON) and is not the last line; the run directory was edited");
                }
                break;
            }
            points.put(key(row), row);
            validEnd = i + 1;
            start = i + 1;
        }
        long dropped = all.length - validEnd;
        if (dropped > 0) {
            try (FileChannel ch = FileChannel.open(jsonl, StandardOpenOption.WRITE)) {
                ch.truncate(validEnd);
                ch.force(true);
            }
        }
        return dropped;
    }

    private static int countLines(byte[] all, int upTo) {
        int n = 0;
        for (int i = 0; i < upTo; i++) {
            if (all[i] == '\n') {
                n++;
            }
        }
        return n;
    }

    private void rewriteCsv() throws IOException {
        StringBuilder sb = new StringBuilder(csvHeader());
        for (Map<String, Object> row : points.values()) {
            sb.append(csvRow(row));
        }
        Path tmp = csv.resolveSibling(CSV + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, sb.toString().getBytes(StandardCharsets.UTF_8));
            ch.force(true);
        }
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String csvHeader() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(csvCell(columns.get(i)));
        }
        return sb.append('\n').toString();
    }

    private String csvRow(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(csvCell(row.get(columns.get(i))));
        }
        return sb.append('\n').toString();
    }

    static String csvCell(Object v) {
        String s;
        if (v == null) {
            return "";
        } else if (v instanceof Double || v instanceof Float || v instanceof Number || v instanceof Boolean) {
            s = String.valueOf(v);
        } else if (v instanceof String str) {
            s = str;
        } else {
            s = json(v);
        }
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    static String json(Object v) {
        try {
            return LINE.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** The key of a point: its key columns' values as a compact JSON array. */
    public String key(Map<String, ?> point) {
        List<Object> k = new ArrayList<>(keyColumns.size());
        for (String c : keyColumns) {
            Object v = point.get(c);
            // A whole double read back from JSON stays a Double ("2.0"); ints stay ints: no normalising.
            k.add(v);
        }
        return json(k);
    }

    /** Whether a point with these key values is already recorded. */
    public synchronized boolean done(Map<String, ?> point) {
        return points.containsKey(key(point));
    }

    /** The recorded row for these key values, or null. Rows read back from disk hold Jackson's types. */
    public synchronized Map<String, Object> get(Map<String, ?> point) {
        return points.get(key(point));
    }

    /** Whether the point with this {@link #key} is recorded (a point's key computed once and reused). */
    public synchronized boolean doneKey(String key) {
        return points.containsKey(key);
    }

    /** The recorded row with this {@link #key}, or null. */
    public synchronized Map<String, Object> getByKey(String key) {
        return points.get(key);
    }

    /** Every recorded row, in file order (earlier runs first). */
    public synchronized List<Map<String, Object>> rows() {
        return new ArrayList<>(points.values());
    }

    /** Number of recorded points. */
    public synchronized int size() {
        return points.size();
    }

    /** Points that were already in the files when this log was opened. */
    public int resumed() {
        return resumed;
    }

    /** Bytes of a torn last line cut off points.jsonl when the log was opened (0 after a clean stop). */
    public long droppedBytes() {
        return droppedBytes;
    }

    public List<String> columns() {
        return columns;
    }

    public List<String> keyColumns() {
        return keyColumns;
    }

    /**
     * Appends one finished point to both files, durably (written and forced to the disk before
     * returning). A point whose key is already recorded is an error (the caller should have skipped it).
     * The row is stored as read back from its own JSON, so {@link #rows()} looks the same before and
     * after a resume.
     */
    public synchronized void append(Map<String, Object> row) {
        appendAll(List.of(row));
    }

    /**
     * Appends consecutive finished points with one write and one force per file: the JSON lines of all
     * of them, then their CSV rows. A crash leaves a prefix of the batch (at most a torn last line), so
     * what is on disk is always whole points; a scan of 10^6 points pays one fsync per batch, not per point.
     */
    public synchronized void appendAll(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>(rows.size());
        java.util.Set<String> batch = new java.util.HashSet<>();
        StringBuilder lines = new StringBuilder();
        StringBuilder csvRows = new StringBuilder();
        for (Map<String, Object> row : rows) {
            String k = key(row);
            if (points.containsKey(k) || !batch.add(k)) {
                throw new IllegalStateException("point " + k + " is already recorded");
            }
            for (String c : row.keySet()) {
                if (!columns.contains(c)) {
                    throw new IllegalArgumentException("column '" + c + "' is not one of " + columns);
                }
            }
            Map<String, Object> ordered = new LinkedHashMap<>();
            for (String c : columns) {
                if (row.containsKey(c)) {
                    ordered.put(c, row.get(c));
                }
            }
            keys.add(k);
            lines.append(json(JsonValues.annotate(ordered))).append('\n');
            csvRows.append(csvRow(ordered));
        }
        String all = lines.toString();
        try {
            writeFully(jsonlChannel, all.getBytes(StandardCharsets.UTF_8));
            jsonlChannel.force(false);
            FaultInjection.afterJsonl(points.size() + rows.size());
            writeFully(csvChannel, csvRows.toString().getBytes(StandardCharsets.UTF_8));
            csvChannel.force(false);
            int start = 0;
            for (int i = 0; i < keys.size(); i++) {
                int end = all.indexOf('\n', start);
                Map<String, Object> stored = readBackCheaply(rows.get(i));
                if (stored == null) {
                    stored = JsonValues.restore(LINE.readValue(all.substring(start, end),
                            new TypeReference<LinkedHashMap<String, Object>>() {}));
                }
                points.put(keys.get(i), stored);
                start = end + 1;
            }
        } catch (IOException e) {
            throw new InputException(jsonl.getParent() + ": cannot append a point: " + e.getMessage(), e);
        }
    }

    /**
     * The row as reading its JSON line back would give it, without parsing, for rows of plain cells:
     * strings, booleans, nulls, doubles, floats (as the double their shortest text reads back to), and
     * integers (Integer when they fit, else Long, as Jackson reads them); null for other cells (lists,
     * maps, ...), whose line is then parsed.
     */
    private Map<String, Object> readBackCheaply(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String c : columns) {
            if (!row.containsKey(c)) {
                continue;
            }
            Object v = row.get(c);
            if (v == null || v instanceof String || v instanceof Boolean || v instanceof Double) {
                out.put(c, v);
            } else if (v instanceof Float x) {
                out.put(c, Double.parseDouble(Float.toString(x)));
            } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
                out.put(c, ((Number) v).intValue());
            } else if (v instanceof Long x) {
                out.put(c, x == x.intValue() ? (Object) x.intValue() : (Object) x);
            } else {
                return null;
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            jsonlChannel.close();
            csvChannel.close();
        } catch (IOException e) {
            throw new InputException(jsonl.getParent() + ": cannot close the point files: " + e.getMessage(), e);
        }
    }

    /** Reads the rows of a points.jsonl file (valid lines only), e.g. for plots or tests. */
    public static List<Map<String, Object>> readRows(Path jsonlFile) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(jsonlFile, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                rows.add(JsonValues.restore(LINE.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {})));
            } catch (JsonProcessingException e) {
                break;
            }
        }
        return rows;
    }

    /** A number cell of a row read back (Jackson gives Integer, Long, Double or a "NaN"-style String). */
    public static double number(Map<String, ?> row, String column) {
        Object v = row.get(column);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            return Double.parseDouble(s);
        }
        return Double.NaN;
    }

    static Collection<String> header(PointLog log) {
        return log.columns;
    }
}
