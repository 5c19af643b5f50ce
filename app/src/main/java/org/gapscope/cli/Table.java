package org.gapscope.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table with right-aligned columns. */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) {
        rows.add(header);
    }

    public Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = format(cells[i]);
        }
        rows.add(r);
        return this;
    }

    public static String format(Object o) {
        if (o instanceof Double d) {
            return fmt(d);
        }
        if (o instanceof Float f) {
            return fmt(f.doubleValue());
        }
        return String.valueOf(o);
    }

    public static String fmt(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        if (d != 0 && (Math.abs(d) < 1e-4 || Math.abs(d) >= 1e7)) {
            return String.format("%.6e", d);
        }
        return String.format("%.6f", d);
    }

    @Override
    public String toString() {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(" ".repeat(w[i] - r[i].length())).append(r[i]);
            }
            sb.append('\n');
            if (k == 0) {
                for (int i = 0; i < cols; i++) {
                    sb.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
