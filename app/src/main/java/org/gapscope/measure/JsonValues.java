package org.gapscope.measure;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * gapscope's JSON conventions, in one place: JSON has no NaN or infinity, so a non-finite double (or
 * float) is written as {@code null}, never as a string. A row that holds such values says which in
 * {@value #NON_FINITE} (column to {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}; the map's size
 * is the row's count of non-finite values), so that null-because-not-finite is told apart from
 * null-because-not-applicable and the exact value can be restored ({@link #restore}). CSV cells keep
 * {@code NaN}, {@code Infinity}, {@code -Infinity}. Reading accepts the older files that held the strings.
 */
public final class JsonValues {
    private JsonValues() {}

    /**
     * A JSON object in the order given: {@code object("a", 1, "b", x)} is {a: 1, b: x} (values may be null;
     * the map is mutable, for entries that only some objects have).
     */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** The key of a row's map of non-finite values. */
    public static final String NON_FINITE = "nonFiniteValues";

    /** Doubles and floats, alone or in arrays: the number when finite, else null. */
    // declared before the mappers, which the class initializer builds with it
    private static final JsonSerializer<Object> NULL_IF_NOT_FINITE = new JsonSerializer<>() {
        @Override
        public void serialize(Object v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v instanceof double[] a) {
                g.writeStartArray(a, a.length);
                for (double x : a) {
                    serialize(x, g, p);
                }
                g.writeEndArray();
            } else if (v instanceof float[] a) {
                g.writeStartArray(a, a.length);
                for (float x : a) {
                    serialize(x, g, p);
                }
                g.writeEndArray();
            } else if (nonFinite(v) != null) {
                g.writeNull();
            } else if (v instanceof Float x) {
                g.writeNumber(x);
            } else {
                g.writeNumber((Double) v);
            }
        }
    };

    /** Compact: one JSON object per line (points.jsonl). */
    public static final ObjectMapper LINE = builder().build();

    /** Indented (manifests, summaries, stdout). */
    public static final ObjectMapper PRETTY = builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private static JsonMapper.Builder builder() {
        SimpleModule m = new SimpleModule("gapscope-non-finite-as-null");
        m.addSerializer(Double.class, NULL_IF_NOT_FINITE);
        m.addSerializer(Double.TYPE, NULL_IF_NOT_FINITE);
        m.addSerializer(Float.class, NULL_IF_NOT_FINITE);
        m.addSerializer(Float.TYPE, NULL_IF_NOT_FINITE);
        m.addSerializer(double[].class, NULL_IF_NOT_FINITE);
        m.addSerializer(float[].class, NULL_IF_NOT_FINITE);
        return JsonMapper.builder().addModule(m).enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);
    }

    /** "NaN", "Infinity" or "-Infinity" for a non-finite number, else null. */
    static String nonFinite(Object v) {
        if (v instanceof Double x && !Double.isFinite(x)) {
            return x.toString();
        }
        if (v instanceof Float x && !Float.isFinite(x)) {
            return Double.toString(x.doubleValue());
        }
        return null;
    }

    /**
     * The row as written to JSON: the same entries (non-finite values become null when written) and, when
     * any value is not finite, {@value #NON_FINITE} naming them, last.
     */
    public static Map<String, Object> annotate(Map<String, ?> row) {
        Map<String, Object> out = new LinkedHashMap<>(row);
        Map<String, Object> nf = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : row.entrySet()) {
            String s = nonFinite(e.getValue());
            if (s != null) {
                nf.put(e.getKey(), s);
            }
        }
        out.remove(NON_FINITE);
        if (!nf.isEmpty()) {
            out.put(NON_FINITE, nf);
        }
        return out;
    }

    /** A row read back from JSON with its non-finite values restored as doubles and {@value #NON_FINITE} removed. */
    public static Map<String, Object> restore(Map<String, Object> row) {
        if (row.get(NON_FINITE) instanceof Map<?, ?> nf) {
            row.remove(NON_FINITE);
            for (Map.Entry<?, ?> e : nf.entrySet()) {
                if (row.containsKey(String.valueOf(e.getKey())) && e.getValue() instanceof String s) {
                    try {
                        row.put(String.valueOf(e.getKey()), Double.parseDouble(s));
                    } catch (NumberFormatException ignored) {
                        // not a number: leave the cell as it is
                    }
                }
            }
        }
        return row;
    }
}
