package org.gapscope.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.measure.Plots;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.RunLoop;
import org.gapscope.measure.StopSignal;

/**
 * {@code model gap} over S sequences as a resumable run directory: one point per sequence (key
 * {@code sequence}) with its per-position lists, then {@code gamma-vs-position.png} (each sequence and
 * the mean over sequences) and {@code gamma-layers.png} (mean Gamma of each layer's heads alone, per
 * layer and position).
 */
public final class ModelGapRun {
    private ModelGapRun() {}

    public static final List<String> COLUMNS = List.of("sequence", "tokens", "positions", "gamma", "gammaJ", "logZ",
            "gammaLayers", "maxLogitError", "targets", "ledger");
    public static final String GAMMA_PLOT = "gamma-vs-position.png";
    public static final String LAYER_PLOT = "gamma-layers.png";

    public record Outcome(RunDirectory run, RunLoop.Result loop, List<Map<String, Object>> rows) {}

    /**
     * @param positions chosen positions (same for every sequence); {@code next}: ledger for the next token
     */
    public static Outcome run(Path dir, Path checkpoint, Transformer model, long[][] sequences, int[] positions, boolean next,
                              Backend backend, List<String> args, Progress.Mode progress) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("checkpoint", checkpoint.toAbsolutePath().normalize().toString());
        params.put("sequences", sequences.length);
        params.put("length", sequences[0].length);
        params.put("tokensHash", java.util.Arrays.deepHashCode(sequences));
        params.put("positions", java.util.Arrays.stream(positions).boxed().toList());
        params.put("target", next ? "next" : null);
        params.put("backend", backend.name());
        RunDirectory run = RunDirectory.open(dir, "model gap", params, List.of(), args, backend);
        ModelConfig cfg = model.config();
        run.put("modelType", cfg.modelType()).put("layers", cfg.layers()).put("headsPerLayer", cfg.heads())
                .put("vocab", cfg.vocab());
        List<Map<String, Object>> grid = new ArrayList<>();
        for (int s = 0; s < sequences.length; s++) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("sequence", s);
            grid.add(p);
        }
        try (StopSignal stop = StopSignal.install(); PointLog log = run.points(List.of("sequence"), COLUMNS)) {
            RunLoop.Result loop = RunLoop.run("model gap", log, grid, p -> {
                long[] tokens = sequences[((Number) p.get("sequence")).intValue()];
                int[] targets = targets(tokens, positions, next);
                ModelGap.Result r = ModelGap.run(backend, model, tokens, positions, targets);
                return row(r, tokens, positions, targets);
            }, progress, stop);
            List<Map<String, Object>> rows = log.rows();
            plots(run, rows, positions, cfg.layers());
            run.finish(loop.interrupted() ? "interrupted" : "complete", log.size());
            return new Outcome(run, loop, rows);
        }
    }

    /** y* = the next token at each chosen position (-1 at the last), or null. */
    public static int[] targets(long[] tokens, int[] positions, boolean next) {
        if (!next) {
            return null;
        }
        int[] t = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            t[i] = positions[i] + 1 < tokens.length ? (int) tokens[positions[i] + 1] : -1;
        }
        return t;
    }

    static Map<String, Object> row(ModelGap.Result r, long[] tokens, int[] positions, int[] targets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", java.util.Arrays.stream(tokens).boxed().toList());
        m.put("positions", java.util.Arrays.stream(positions).boxed().toList());
        m.put("gamma", r.gamma());
        m.put("gammaJ", r.gammaJ());
        m.put("logZ", r.logZ());
        List<double[]> layers = new ArrayList<>();
        for (int p = 0; p < r.positions(); p++) {
            layers.add(java.util.Arrays.copyOfRange(r.gammaLayers(), p * r.layers(), (p + 1) * r.layers()));
        }
        m.put("gammaLayers", layers);
        m.put("maxLogitError", r.maxLogitError());
        m.put("targets", targets == null ? null : java.util.Arrays.stream(targets).boxed().toList());
        m.put("ledger", targets == null ? null : nullIfNaN(r.ledger()));
        return m;
    }

    static List<Double> nullIfNaN(double[] x) {
        List<Double> l = new ArrayList<>();
        for (double v : x) {
            l.add(Double.isNaN(v) ? null : v);
        }
        return l;
    }

    private static void plots(RunDirectory run, List<Map<String, Object>> rows, int[] positions, int layers) {
        double[] x = new double[positions.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = positions[i];
        }
        double[] mean = new double[positions.length];
        double[][] layerMean = new double[layers][positions.length];
        List<Plots.Series> series = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            double[] g = doubles(r.get("gamma"));
            List<?> gl = (List<?>) r.get("gammaLayers");
            for (int i = 0; i < g.length; i++) {
                mean[i] += g[i] / rows.size();
                double[] li = doubles(gl.get(i));
                for (int l = 0; l < layers; l++) {
                    layerMean[l][i] += li[l] / rows.size();
                }
            }
            if (series.size() < 8) {
                series.add(new Plots.Series("sequence " + r.get("sequence"), x, g, true));
            }
        }
        series.add(new Plots.Series("mean over " + rows.size() + " sequences", x, mean, false));
        Plots.line(run.file(GAMMA_PLOT), "Jensen gap over all heads per position", "position", "Gamma", series, false, false);
        int[] ys = new int[layers];
        for (int l = 0; l < layers; l++) {
            ys[l] = l;
        }
        Plots.heatMap(run.file(LAYER_PLOT), "Gamma of each layer's heads (mean over sequences)", "position", "layer",
                positions, ys, layerMean);
    }

    static double[] doubles(Object o) {
        List<?> l = (List<?>) o;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            Object v = l.get(i);
            d[i] = v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return d;
    }
}
