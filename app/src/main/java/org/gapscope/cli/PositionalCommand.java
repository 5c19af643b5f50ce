package org.gapscope.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.measure.Plots;
import org.gapscope.measure.RunDirectory;
import org.gapscope.positional.PositionalAttenuation;
import org.gapscope.positional.Undertraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "positional", mixinStandardHelpOptions = true,
        description = {"Positional attenuation (docs/MATH.md section 8, P2 Lemma 3):",
            "f(Delta) = (1/m) sum_k cos(omega_k Delta) for the uniform, geometric",
            "(sinusoidal) or RoPE frequency grid, with the bound 2/(Omega Delta), the",
            "envelope (max |f| at and beyond Delta on the grid) and the Delta where |f|",
            "exceeds the bound (finite-m revivals). With --lengths, Lemma 2: p(Delta) and",
            "the share of position pairs in the last half/quarter/tenth of the window."})
public final class PositionalCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Option(names = "--grid", defaultValue = "uniform", paramLabel = "GRID",
            description = "uniform, geometric or rope. Default: ${DEFAULT-VALUE}.")
    PositionalAttenuation.FrequencyGrid grid;

    @Option(names = "--m", defaultValue = "64", paramLabel = "M", description = "Frequencies of the uniform grid. Default: ${DEFAULT-VALUE}.")
    int m;

    @Option(names = "--omega-min", defaultValue = "0.01", paramLabel = "W", description = "Uniform grid: lowest frequency. Default: ${DEFAULT-VALUE}.")
    double omegaMin;

    @Option(names = "--omega-max", defaultValue = "1", paramLabel = "W", description = "Uniform grid: highest frequency. Default: ${DEFAULT-VALUE}.")
    double omegaMax;

    @Option(names = "--d", paramLabel = "D", description = "Geometric/rope: dimension, m = d/2 (default 512 for geometric, 128 for rope).")
    Integer d;

    @Option(names = "--base", defaultValue = "10000", paramLabel = "B", description = "Geometric/rope: base. Default: ${DEFAULT-VALUE}.")
    double base;

    @Option(names = "--delta", split = ",", paramLabel = "DELTA", description = "Distances Delta (comma-separated); overrides the scan.")
    double[] delta;

    @Option(names = "--delta-max", defaultValue = "1e6", paramLabel = "D", description = "Scan up to this Delta. Default: ${DEFAULT-VALUE}.")
    double deltaMax;

    @Option(names = "--scan", defaultValue = "log", paramLabel = "KIND",
            description = "log (--points log-spaced Delta in [1, max]) or dense (every integer 1..max). Default: ${DEFAULT-VALUE}.")
    String scan;

    @Option(names = "--points", defaultValue = "2000", paramLabel = "K", description = "Points of a log scan. Default: ${DEFAULT-VALUE}.")
    int points;

    @Option(names = "--print-max", defaultValue = "2000", paramLabel = "K",
            description = "Most per-Delta rows printed (evenly chosen; the run directory has all). Default: ${DEFAULT-VALUE}.")
    int printMax;

    @Option(names = "--lengths", paramLabel = "LAW",
            description = "Lemma 2 training-length law: fixed:L, uniform:A:B, lognormal:MU:SIGMA[:W] or file:PATH.")
    String lengths;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED", description = "Accepted for uniformity; nothing here is random.")
    long seed;

    /** The computed curve and its summary. */
    record Result(Map<String, Object> header, double[] deltas, double[] f, double[] bound, double[] envelope,
                  double[] pDelta, List<PositionalAttenuation.Interval> revivals) {}

    @Mixin
    CrowdingOutput output;

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        output.progressMode();
        Result r = compute(backend);
        Map<String, Object> params = new LinkedHashMap<>(r.header());
        params.remove("device");
        params.remove("undertraining");
        params.put("deltas", delta == null ? scan + " scan to " + deltaMax + (scan.equals("log") ? " (" + points + " points)" : "")
                : java.util.Arrays.stream(delta).boxed().toList());
        params.put("lengths", lengths);
        RunDirectory run = output.open("positional", params, List.of(), spec, backend);
        write(run, r);
        run.finish("complete", r.deltas().length);
        Map<String, Object> top = json(r, printMax);
        top.put("runDirectory", run.dir().toString());
        spec.commandLine().getOut().print(common.json() ? Json.write(top) + "\n" : table(r, printMax));
        return 0;
    }

    /**
     * Writes curve.csv and curve.jsonl (one row per Delta), revivals.csv, the summary into the manifest and
     * the plots. The curve comes from one backend call, so it is written whole (atomically) rather than
     * point by point: re-running on the same directory recomputes and replaces it.
     */
    static void write(RunDirectory run, Result r) {
        StringBuilder csv = new StringBuilder("delta,f,bound,envelope,aboveBound" + (r.pDelta() != null ? ",pDelta" : "") + "\n");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < r.deltas().length; i++) {
            csv.append(r.deltas()[i]).append(',').append(r.f()[i]).append(',').append(r.bound()[i]).append(',')
                    .append(r.envelope()[i]).append(',').append(Math.abs(r.f()[i]) > r.bound()[i]);
            if (r.pDelta() != null) {
                csv.append(',').append(r.pDelta()[i]);
            }
            csv.append('\n');
            try {
                jsonl.append(LINE.writeValueAsString(point(r, i))).append('\n');
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder rev = new StringBuilder("from,to,points,maxAbsF,maxRatio\n");
        for (PositionalAttenuation.Interval iv : r.revivals()) {
            rev.append(iv.from()).append(',').append(iv.to()).append(',').append(iv.points()).append(',')
                    .append(iv.maxAbsF()).append(',').append(iv.maxRatio()).append('\n');
        }
        try {
            RunDirectory.writeAtomically(run.file("curve.csv"), csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            RunDirectory.writeAtomically(run.file("curve.jsonl"), jsonl.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            RunDirectory.writeAtomically(run.file("revivals.csv"), rev.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new InputException(run.dir() + ": cannot write the curve: " + e.getMessage(), e);
        }
        run.put("summary", r.header());
        // at most PLOT_POINTS points per curve: buckets of consecutive Delta keep their largest |f| (so
        // revival peaks survive) and their first Delta's bound and envelope
        int n = r.deltas().length;
        int buckets = Math.min(n, PLOT_POINTS);
        double[] x = new double[buckets];
        double[] absF = new double[buckets];
        double[] env = new double[buckets];
        double[] bnd = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            int best = from;
            for (int i = from; i < to; i++) {
                if (Math.abs(r.f()[i]) > Math.abs(r.f()[best])) {
                    best = i;
                }
            }
            x[b] = r.deltas()[best];
            absF[b] = Math.abs(r.f()[best]);
            env[b] = r.envelope()[best];
            bnd[b] = r.bound()[best];
        }
        List<Plots.Series> series = new ArrayList<>(List.of(
                new Plots.Series("|f(Delta)|" + (buckets < n ? " (largest per bucket of " + (n / buckets) + ")" : ""), x, absF, false),
                new Plots.Series("envelope (max |f| at and beyond Delta)", x, env, true),
                new Plots.Series("bound 2/(Omega Delta)", x, bnd, true)));
        Plots.line(run.file("positional.png"), "Positional attenuation, " + r.header().get("grid") + " grid, m = "
                + r.header().get("m"), "Delta", "|f|", series, true, true);
        if (r.pDelta() != null) {
            Plots.line(run.file("pdelta.png"), "Lemma 2: share of training pairs at distance Delta", "Delta", "p(Delta)",
                    List.of(new Plots.Series("p(Delta)", r.deltas(), r.pDelta(), false)), true, true);
        }
    }

    /** Most points per plotted curve. */
    static final int PLOT_POINTS = 5000;

    static final com.fasterxml.jackson.databind.ObjectMapper LINE = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    Result compute(Backend backend) {
        double[] omegas = switch (grid) {
            case uniform -> PositionalAttenuation.uniformGrid(omegaMin, omegaMax, m);
            case geometric -> PositionalAttenuation.geometricGrid(base, d == null ? 512 : d);
            case rope -> PositionalAttenuation.geometricGrid(base, d == null ? 128 : d);
        };
        double[] deltas;
        if (delta != null) {
            deltas = delta.clone();
            for (double x : deltas) {
                if (!Double.isFinite(x) || x < 0) {
                    throw new InputException("--delta: distances must be finite and >= 0, got " + x);
                }
            }
            Arrays.sort(deltas);
        } else {
            boolean dense = switch (scan) {
                case "dense" -> true;
                case "log" -> false;
                default -> throw new InputException("--scan: expected log or dense, got " + scan);
            };
            deltas = PositionalAttenuation.scan(deltaMax, dense, points);
        }
        double omega = PositionalAttenuation.omega(omegas);
        double[] f = backend.positional(omegas, deltas);
        double[] bound = new double[deltas.length];
        for (int i = 0; i < deltas.length; i++) {
            bound[i] = PositionalAttenuation.bound(omega, deltas[i]);
        }
        double[] env = PositionalAttenuation.envelope(f);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("backend", backend.name());
        h.put("device", backend.device());
        h.put("grid", grid.name());
        h.put("m", omegas.length);
        if (grid == PositionalAttenuation.FrequencyGrid.uniform) {
            h.put("omegaMin", omegaMin);
            h.put("omegaMax", omegaMax);
        } else {
            h.put("base", base);
            h.put("d", 2 * omegas.length);
        }
        h.put("Omega", omega);
        if (grid == PositionalAttenuation.FrequencyGrid.uniform) {
            h.put("boundGuaranteedUpTo", PositionalAttenuation.uniformGuaranteedUpTo(omega, omegas.length));
            h.put("firstRevival", 2 * Math.PI * (omegas.length - 1) / omega);
        }
        List<PositionalAttenuation.Interval> rev = PositionalAttenuation.revivals(deltas, f, omega);
        int count = 0;
        for (PositionalAttenuation.Interval iv : rev) {
            count += iv.points();
        }
        h.put("deltaPoints", deltas.length);
        h.put("pointsAboveBound", count);
        double[] pd = null;
        if (lengths != null) {
            Undertraining u = Undertraining.parse(lengths);
            int w = u.window();
            Map<String, Object> ut = new LinkedHashMap<>();
            ut.put("lengths", lengths);
            ut.put("window", w);
            ut.put("meanDelta", u.meanDelta());
            ut.put("fractionLastHalf", u.tailFraction(w / 2.0));
            ut.put("fractionLastQuarter", u.tailFraction(0.75 * w));
            ut.put("fractionLastTenth", u.tailFraction(0.9 * w));
            h.put("undertraining", ut);
            pd = new double[deltas.length];
            for (int i = 0; i < deltas.length; i++) {
                pd[i] = u.p(deltas[i]);
            }
        }
        return new Result(h, deltas, f, bound, env, pd, rev);
    }

    static Map<String, Object> point(Result r, int i) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("delta", r.deltas()[i]);
        p.put("f", r.f()[i]);
        p.put("bound", r.bound()[i]);
        p.put("envelope", r.envelope()[i]);
        p.put("aboveBound", Math.abs(r.f()[i]) > r.bound()[i]);
        if (r.pDelta() != null) {
            p.put("pDelta", r.pDelta()[i]);
        }
        return p;
    }

    /** Indices printed: all when few, else printMax evenly spaced ones (first and last included). */
    static int[] shown(int total, int printMax) {
        if (total <= printMax) {
            return java.util.stream.IntStream.range(0, total).toArray();
        }
        int k = Math.max(2, printMax);
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = (int) Math.round((double) i * (total - 1) / (k - 1));
        }
        return idx;
    }

    static Map<String, Object> json(Result r, int printMax) {
        Map<String, Object> top = new LinkedHashMap<>(r.header());
        List<Map<String, Object>> pts = new ArrayList<>();
        for (int i : shown(r.deltas().length, printMax)) {
            pts.add(point(r, i));
        }
        top.put("points", pts);
        top.put("revivals", intervals(r.revivals(), 1000));
        return top;
    }

    static List<Map<String, Object>> intervals(List<PositionalAttenuation.Interval> rev, int max) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PositionalAttenuation.Interval iv : rev.subList(0, Math.min(max, rev.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", iv.from());
            m.put("to", iv.to());
            m.put("points", iv.points());
            m.put("maxAbsF", iv.maxAbsF());
            m.put("maxRatio", iv.maxRatio());
            out.add(m);
        }
        return out;
    }

    static String table(Result r, int printMax) {
        StringBuilder sb = new StringBuilder();
        r.header().forEach((k, v) -> {
            if (!(v instanceof Map)) {
                sb.append(k).append(" = ").append(Table.format(v)).append('\n');
            }
        });
        boolean pd = r.pDelta() != null;
        Table t = pd ? new Table("delta", "f", "bound", "envelope", "above", "pDelta")
                : new Table("delta", "f", "bound", "envelope", "above");
        for (int i : shown(r.deltas().length, printMax)) {
            String above = Math.abs(r.f()[i]) > r.bound()[i] ? "yes" : "-";
            if (pd) {
                t.row(r.deltas()[i], r.f()[i], r.bound()[i], r.envelope()[i], above, r.pDelta()[i]);
            } else {
                t.row(r.deltas()[i], r.f()[i], r.bound()[i], r.envelope()[i], above);
            }
        }
        sb.append(t);
        sb.append("revivals (runs of grid points with |f| > bound): ").append(r.revivals().size()).append('\n');
        Table rv = new Table("from", "to", "points", "max |f|", "max |f|/bound");
        for (PositionalAttenuation.Interval iv : r.revivals().subList(0, Math.min(20, r.revivals().size()))) {
            rv.row(iv.from(), iv.to(), iv.points(), iv.maxAbsF(), iv.maxRatio());
        }
        sb.append(rv);
        if (r.header().get("undertraining") instanceof Map<?, ?> u) {
            sb.append("Lemma 2 (training lengths ").append(u.get("lengths")).append("):\n");
            u.forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(Table.format(v)).append('\n'));
        }
        return sb.toString();
    }
}
