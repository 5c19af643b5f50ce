package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.Crowding;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "crowding", mixinStandardHelpOptions = true,
        description = {"Softmax crowding (MATH.md section 7, P2 Lemma 4): Monte Carlo of P_N, the softmax weight of",
            "one relevant score s among N-1 i.i.d. distractors, for a grid of N; per point the mean, standard error",
            "and quantiles of P_N over the repetitions, the mean field 1/(1 + (N-1) M e^-s) and their difference.",
            "Flags: smallN where N < 100 E[e^2X]/M^2 (N < 100 e^(sigma^2) for a Gaussian), maxDominates where",
            "a Gaussian's sigma >= sqrt(2 ln N)."})
public final class CrowdingCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Mixin
    CrowdingOptions options;

    @Spec
    CommandSpec spec;

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

    @Override
    public Integer call() {
        options.checkReps();
        Backend backend = common.selectBackend();
        List<Map<String, Object>> points = new ArrayList<>();
        boolean byMargin = score != null && score.margin != null;
        double[] values = score == null ? new double[] {5} : byMargin ? score.margin : score.s;
        List<CrowdingOptions.LawPoint> laws = options.laws();
        List<Long> ns = options.ns();
        List<Mitigation> mitigations = options.mitigations();
        int total = laws.size() * ns.size() * mitigations.size() * values.length;
        int done = 0;
        for (CrowdingOptions.LawPoint lp : laws) {
            double mean = lp.law().mean();
            if (byMargin && !Double.isFinite(mean)) {
                throw new InputException("--margin: the law " + lp.label() + " has no finite mean; give --s");
            }
            for (double v : values) {
                double s = byMargin ? mean + v : v;
                for (long n : ns) {
                    for (Mitigation m : mitigations) {
                        Crowding.Point p = Crowding.point(backend, n, s, lp.law(), options.reps, options.seed, m,
                                batch, null);
                        points.add(row(lp, p, byMargin ? v : Double.NaN));
                        done++;
                        if (!common.json()) {
                            spec.commandLine().getErr().printf("crowding: %d/%d points%n", done, total);
                        }
                    }
                }
            }
        }
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("backend", backend.name());
        top.put("device", backend.device());
        top.put("seed", options.seed);
        top.put("reps", options.reps);
        top.put("points", points);
        spec.commandLine().getOut().print(common.json() ? Json.write(top) + "\n" : table(points, backend));
        return 0;
    }

    static Map<String, Object> row(CrowdingOptions.LawPoint lp, Crowding.Point p, double margin) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", p.n());
        m.put("meanP", p.meanP());
        m.put("stdErr", p.stats().stdErr());
        m.put("meanField", p.meanField());
        m.put("difference", p.difference());
        m.put("s", p.s());
        if (!Double.isNaN(margin)) {
            m.put("margin", margin);
        }
        m.putAll(lp.describe());
        m.put("mitigation", CrowdingOptions.label(p.mitigation()));
        m.put("sd", p.stats().sd());
        m.put("q05", p.stats().q05());
        m.put("q25", p.stats().q25());
        m.put("median", p.stats().median());
        m.put("q75", p.stats().q75());
        m.put("q95", p.stats().q95());
        m.put("smallN", p.smallN());
        m.put("maxDominates", p.maxDominates());
        return m;
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
        String law = (String) m.get("law");
        if (m.containsKey("sigma")) {
            return law + " sigma=" + CrowdingOptions.num((Double) m.get("sigma"));
        }
        return law;
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
