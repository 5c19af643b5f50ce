package org.gapscope.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.CrowdingSweep;
import org.gapscope.measure.Progress;
import org.gapscope.measure.Sweep;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "crowding", mixinStandardHelpOptions = true,
        description = {"Softmax crowding: Monte Carlo of P_N over a grid of N, next to its mean field.",
            "P_N is the softmax weight of one relevant score s among N-1 i.i.d. distractors (P2 Lemma 4,"
                + " docs/MATH.md section 7). Per point: mean, standard error and quantiles of P_N, the mean field"
                + " 1/(1 + (N-1) M e^-s) and the difference. Flags: smallN where N < 100 E[e^2X]/M^2"
                + " (N < 100 e^(sigma^2) for a Gaussian); maxDominates where a Gaussian's sigma >= sqrt(2 ln N)."
                + " Definitions: docs/CROWDING.md."})
public final class CrowdingCommand extends BaseCommand {
    @Mixin
    ClusterOption cluster;

    @Mixin
    CrowdingOptions options;

    static final class Score {
        @Option(names = "--s", split = ",", paramLabel = "S", description = "Relevant score(s) s (default 5).")
        double[] s;

        @Option(names = "--margin", split = ",", paramLabel = "D", description = "s given as a margin over the law's mean: s = E[X] + D.")
        double[] margin;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Score score;

    @Option(names = "--batch", defaultValue = "256", paramLabel = "R",
            description = "Repetitions per backend call (progress granularity; results do not depend on it). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Mixin
    RunOptions output;

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        boolean byMargin = score != null && score.margin != null;
        double[] values = score == null ? new double[] {5} : byMargin ? score.margin : score.s;
        CrowdingSweep sweep = new CrowdingSweep(options.laws(), values, byMargin, options.ns(), options.mitigations(),
                options.reps, options.seed, batch);
        Progress.Mode mode = output.progressMode();
        try (Cluster c = cluster.open("crowding", output.out)) {
            return RunOptions.run(sweep, output.dir("crowding"), backend, c, spec, mode, o -> {
                Map<String, Object> top = summary(backend, options, o);
                print(common.json() ? Json.write(top) + "\n" : table(o.rows(), backend));
            });
        }
    }

    /**
     * The JSON printed on stdout by {@code crowding} and {@code margin}: backend, device, seed, reps, run
     * directory, {@code interrupted} when Ctrl-C stopped the run, and the points.
     */
    static Map<String, Object> summary(Backend backend, CrowdingOptions options, Sweep.Outcome o) {
        Map<String, Object> top = new java.util.LinkedHashMap<>();
        top.put("backend", backend.name());
        top.put("device", backend.device());
        top.put("seed", options.seed);
        top.put("reps", options.reps);
        top.put("runDirectory", o.run().dir().toString());
        if (o.interrupted()) {
            top.put("interrupted", true);
        }
        top.put("points", Json.rows(o.rows()));
        return top;
    }

    static String table(List<Map<String, Object>> points, Backend backend) {
        Table t = new Table("law", "mitigation", "N", "s", "meanP", "stdErr", "median", "meanField", "difference", "flags");
        for (Map<String, Object> m : points) {
            t.row(lawLabel(m), m.get("mitigation"), m.get("n"), m.get("s"), m.get("meanP"), m.get("stdErr"),
                    m.get("median"), m.get("meanField"), m.get("difference"), flags(m));
        }
        return "crowding, backend " + backend.name() + " (" + backend.device() + ")\n" + t;
    }

    static String lawLabel(Map<String, Object> m) {
        return String.valueOf(m.get("distribution"));
    }

    static String flags(Map<String, Object> m) {
        List<String> f = new ArrayList<>();
        if (Boolean.TRUE.equals(m.get("smallN"))) {
            f.add("smallN");
        }
        if (Boolean.TRUE.equals(m.get("maxDominates"))) {
            f.add("maxDominates");
        }
        return f.isEmpty() ? "-" : String.join(",", f);
    }
}
