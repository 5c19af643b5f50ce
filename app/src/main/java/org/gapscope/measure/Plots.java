package org.gapscope.measure;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.InputException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts with XChart, drawn headless. Points whose x or y is not finite (or, on a log axis,
 * not positive) are left out of a series rather than failing the plot; a series left empty is skipped.
 * Files are written through a temporary file and an atomic rename.
 *
 * <p>Readability rules, the same for every plot: the legend sits outside the plot area (right of it), so
 * it never covers data; a series belongs to a colour group ({@link Series#group}, by default its own
 * name) and every series of one group is drawn in that group's colour, the measured one solid with
 * markers and its theory line dashed; a logarithmic axis spans whole decades around the data, so a tick
 * label is printed at both ends (a probability axis whose data reach 0.5 ends at 1, not at 0.1).
 */
public final class Plots {
    private Plots() {}

    static {
        System.setProperty("java.awt.headless", "true");
        // ImageIO's default disk cache registers a shutdown hook per stream, which fails while a Ctrl-C
        // shutdown waits for the run to finish its plots; the memory cache does not.
        javax.imageio.ImageIO.setUseCache(false);
    }

    /**
     * One curve.
     *
     * @param name   legend entry
     * @param x      abscissae
     * @param y      ordinates (same length)
     * @param dashed draw as a dashed line without markers (for reference curves such as a bound)
     * @param group  colour group: series with the same group share a colour (null: the series' own name)
     */
    public record Series(String name, double[] x, double[] y, boolean dashed, String group) {
        public Series(String name, double[] x, double[] y, boolean dashed) {
            this(name, x, y, dashed, null);
        }

        /** The colour group (the name when none was given). */
        public String colorGroup() {
            return group != null ? group : name;
        }

        public static Series of(String name, List<Double> x, List<Double> y) {
            return new Series(name, x.stream().mapToDouble(Double::doubleValue).toArray(),
                    y.stream().mapToDouble(Double::doubleValue).toArray(), false);
        }
    }

    /** A line chart with a logarithmic x axis (the usual V or N axis). */
    public static void lineLogX(Path png, String title, String xLabel, String yLabel, List<Series> series) {
        line(png, title, xLabel, yLabel, series, true, false);
    }

    /** A line chart; either axis may be logarithmic. */
    public static void line(Path png, String title, String xLabel, String yLabel, List<Series> series,
                            boolean logX, boolean logY) {
        save(chart(title, xLabel, yLabel, series, logX, logY), png);
    }

    /** Writes the chart as a PNG: to a temporary file beside it, then moved over {@code png} in one step. */
    static void save(Chart<?, ?> chart, Path png) {
        try {
            Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
            BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InputException(png + ": cannot write the plot: " + e.getMessage(), e);
        }
    }

    /** Colours of the groups, in order of first appearance: dark, distinct, readable on white. */
    static final java.awt.Color[] PALETTE = {
        new java.awt.Color(0x1f77b4), new java.awt.Color(0xd62728), new java.awt.Color(0x2ca02c),
        new java.awt.Color(0x9467bd), new java.awt.Color(0xff7f0e), new java.awt.Color(0x8c564b),
        new java.awt.Color(0xe377c2), new java.awt.Color(0x17becf), new java.awt.Color(0x7f7f7f),
        new java.awt.Color(0xbcbd22), new java.awt.Color(0x393b79), new java.awt.Color(0x637939)};

    /** Series with more points than this are drawn without markers. */
    static final int MARKER_LIMIT = 60;

    /** 10^floor(log10 v) and 10^ceil(log10 v): the decades around a positive value. */
    static double decadeBelow(double v) {
        return Math.pow(10, Math.floor(Math.log10(v) + 1e-12));
    }

    static double decadeAbove(double v) {
        return Math.pow(10, Math.ceil(Math.log10(v) - 1e-12));
    }

    /** The chart {@link #line} draws (package-private for tests). */
    static XYChart chart(String title, String xLabel, String yLabel, List<Series> series, boolean logX, boolean logY) {
        XYChart chart = new XYChartBuilder().width(1100).height(600).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(13f));
        if (!logX) {
            chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        }
        if (!logY) {
            chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        }
        java.util.Map<String, java.awt.Color> colors = new java.util.LinkedHashMap<>();
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        int added = 0;
        for (Series s : series) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < Math.min(s.x().length, s.y().length); i++) {
                double x = s.x()[i];
                double y = s.y()[i];
                if (Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0) && (!logY || y > 0)) {
                    xs.add(x);
                    ys.add(y);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            for (int i = 0; i < xs.size(); i++) {
                minX = Math.min(minX, xs.get(i));
                maxX = Math.max(maxX, xs.get(i));
                minY = Math.min(minY, ys.get(i));
                maxY = Math.max(maxY, ys.get(i));
            }
            XYSeries xy = chart.addSeries(s.name(), xs, ys);
            java.awt.Color color = colors.computeIfAbsent(s.colorGroup(), g -> PALETTE[colors.size() % PALETTE.length]);
            xy.setLineColor(color);
            xy.setMarkerColor(color);
            if (s.dashed()) {
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f));
            } else {
                // markers show where the points are; on a dense curve they would only hide it
                xy.setMarker(xs.size() <= MARKER_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                xy.setLineStyle(new BasicStroke(2f));
            }
            added++;
        }
        if (added > 0 && logY) {
            chart.getStyler().setYAxisMin(decadeBelow(minY));
            chart.getStyler().setYAxisMax(decadeAbove(maxY));
        }
        if (added > 0 && logX) {
            chart.getStyler().setXAxisMin(decadeBelow(minX));
            chart.getStyler().setXAxisMax(decadeAbove(maxX));
        }
        if (added == 0) {
            // XChart cannot draw an empty chart; a placeholder series keeps the file's existence predictable.
            chart.addSeries("no finite data", new double[] {1}, new double[] {1}).setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * A heat map of z[row][column] (e.g. Gamma per layer and position): columns on the x axis labelled
     * by {@code xs}, rows on the y axis labelled by {@code ys}; non-finite cells are drawn as 0, values rounded to 0.01 for the colour legend.
     */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, int[] xs, int[] ys, double[][] z) {
        org.knowm.xchart.HeatMapChart chart = new org.knowm.xchart.HeatMapChartBuilder().width(900).height(600)
                .title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setShowValue(false);
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < ys.length; r++) {
            for (int c = 0; c < xs.length; c++) {
                double v = z[r][c];
                // shown rounded to 0.01 (the legend prints the extreme cells as they are)
                cells.add(new Number[] {c, r, Double.isFinite(v) ? Math.round(v * 100) / 100.0 : 0.0});
            }
        }
        List<Integer> xl = new ArrayList<>();
        for (int x : xs) {
            xl.add(x);
        }
        List<Integer> yl = new ArrayList<>();
        for (int y : ys) {
            yl.add(y);
        }
        chart.addSeries(title, xl, yl, cells);
        save(chart, png);
    }
}
