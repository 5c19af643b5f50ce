package org.gapscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.gapscope.measure.JsonValues;

/**
 * The one Jackson mapper for stdout: indented, non-finite doubles written as null (JSON has no NaN);
 * rows name theirs in {@code nonFiniteValues} ({@link JsonValues}).
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonValues.PRETTY;

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows as printed: each with its {@code nonFiniteValues} when it holds NaN or infinities. */
    static java.util.List<java.util.Map<String, Object>> rows(java.util.List<? extends java.util.Map<String, ?>> rows) {
        return rows.stream().map(JsonValues::annotate).toList();
    }
}
