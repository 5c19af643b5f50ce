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
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts with XChart, drawn headless. Points whose x or y is not finite (or, on a log axis,
 * not positive) are left out of a series rather than failing the plot; a series left empty is skipped.
 * Files are written through a temporary file and an atomic rename.
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
     */
    public record Series(String name, double[] x, double[] y, boolean dashed) {
        public static Series of(String name, List<Double> x, List<Double> y) {
            return new Series(name, x.stream().mapToDouble(Double::doubleValue).toArray(),
                    y.stream().mapToDouble(Double::doubleValue).toArray(), false);
        }

        public Series asDashed() {
            return new Series(name, x, y, true);
        }
    }

    /** A line chart with a logarithmic x axis (the usual V or N axis). */
    public static void lineLogX(Path png, String title, String xLabel, String yLabel, List<Series> series) {
        line(png, title, xLabel, yLabel, series, true, false);
    }

    /** A line chart; either axis may be logarithmic. */
    public static void line(Path png, String title, String xLabel, String yLabel, List<Series> series,
                            boolean logX, boolean logY) {
        XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
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
            XYSeries xy = chart.addSeries(s.name(), xs, ys);
            if (s.dashed()) {
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            }
            added++;
        }
        if (added == 0) {
            // XChart cannot draw an empty chart; a placeholder series keeps the file's existence predictable.
            chart.addSeries("no finite data", new double[] {1}, new double[] {1}).setMarker(SeriesMarkers.NONE);
        }
        try {
            Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
            BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InputException(png + ": cannot write the plot: " + e.getMessage(), e);
        }
    }

    /**
     * A heat map of z[row][column] (e.g. Gamma per layer and position): columns on the x axis labelled
     * by {@code xs}, rows on the y axis labelled by {@code ys}; non-finite cells are drawn as 0.
     */
    public static void heatMap(Path png, String title, String xLabel, String yLabel, int[] xs, int[] ys, double[][] z) {
        org.knowm.xchart.HeatMapChart chart = new org.knowm.xchart.HeatMapChartBuilder().width(900).height(600)
                .title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setShowValue(xs.length * ys.length <= 200);
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < ys.length; r++) {
            for (int c = 0; c < xs.length; c++) {
                double v = z[r][c];
                cells.add(new Number[] {c, r, Double.isFinite(v) ? v : 0.0});
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
        try {
            Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
            BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InputException(png + ": cannot write the plot: " + e.getMessage(), e);
        }
    }
}
