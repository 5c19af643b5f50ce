package org.gapscope.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.measure.JsonValues;
import org.gapscope.measure.PositionalSweep;
import org.gapscope.measure.Progress;
import org.gapscope.positional.PositionalAttenuation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "positional", mixinStandardHelpOptions = true,
        description = {"Positional attenuation f(Delta) of sinusoidal encodings against its bound.",
            "f(Delta) = (1/m) sum_k cos(omega_k Delta) for the uniform, geometric (sinusoidal) or RoPE"
                + " frequency grid (P2 Lemma 3, docs/MATH.md section 8), with the bound 2/(Omega Delta), the"
                + " envelope (max |f| at and beyond Delta on the grid) and the Delta where |f| exceeds the bound"
                + " (finite-m revivals). With --lengths, Lemma 2: p(Delta) and the share of position pairs in the"
                + " last half/quarter/tenth of the window."})
public final class PositionalCommand extends BaseCommand {
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

    @Mixin
    RunOptions output;

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        Progress.Mode mode = output.progressMode();
        PositionalSweep sweep = sweep();
        return RunOptions.run(sweep, output.dir("positional"), backend, spec, mode, o -> {
            PositionalSweep.Curve r = sweep.curve(o.rows(), backend);
            Map<String, Object> top = json(r, printMax);
            top.put("runDirectory", o.run().dir().toString());
            if (o.interrupted()) {
                top.put("interrupted", true);
            }
            print(common.json() ? Json.write(top) + "\n" : table(r, printMax));
        });
    }

    /** The sweep the options describe. */
    PositionalSweep sweep() {
        int dim = d != null ? d : grid == PositionalAttenuation.FrequencyGrid.rope ? 128 : 512;
        if (delta != null) {
            return PositionalSweep.of(grid, m, omegaMin, omegaMax, base, dim, delta,
                    Arrays.stream(delta).boxed().toList(), lengths);
        }
        boolean dense = switch (scan) {
            case "dense" -> true;
            case "log" -> false;
            default -> throw new InputException("--scan: expected log or dense, got " + scan);
        };
        double[] deltas = PositionalAttenuation.scan(deltaMax, dense, points);
        String spec = scan + " scan to " + deltaMax + (dense ? "" : " (" + points + " points)");
        return PositionalSweep.of(grid, m, omegaMin, omegaMax, base, dim, deltas, spec, lengths);
    }

    static Map<String, Object> point(PositionalSweep.Curve r, int i) {
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

    static Map<String, Object> json(PositionalSweep.Curve r, int printMax) {
        Map<String, Object> top = new LinkedHashMap<>(r.header());
        List<Map<String, Object>> pts = new ArrayList<>();
        for (int i : shown(r.deltas().length, printMax)) {
            pts.add(org.gapscope.measure.JsonValues.annotate(point(r, i)));
        }
        top.put("points", pts);
        top.put("revivals", intervals(r.revivals(), 1000));
        return top;
    }

    static List<Map<String, Object>> intervals(List<PositionalAttenuation.Interval> rev, int max) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PositionalAttenuation.Interval iv : rev.subList(0, Math.min(max, rev.size()))) {
            out.add(JsonValues.object("from", iv.from(), "to", iv.to(), "points", iv.points(), "maxAbsF", iv.maxAbsF(),
                    "maxRatio", iv.maxRatio()));
        }
        return out;
    }

    static String table(PositionalSweep.Curve r, int printMax) {
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
