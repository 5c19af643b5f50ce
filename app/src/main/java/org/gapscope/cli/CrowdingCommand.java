package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.CrowdingSimulation;
import org.gapscope.measure.Plots;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.RunLoop;
import org.gapscope.measure.StopSignal;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "crowding", mixinStandardHelpOptions = true,
        description = {"Softmax crowding (docs/MATH.md section 7, P2 Lemma 4): Monte Carlo of P_N, the",
            "softmax weight of one relevant score s among N-1 i.i.d. distractors, over a",
            "grid of N. Per point: mean, standard error and quantiles of P_N, the mean",
            "field 1/(1 + (N-1) M e^-s) and the difference. Flags: smallN where",
            "N < 100 E[e^2X]/M^2 (N < 100 e^(sigma^2) for a Gaussian); maxDominates where",
            "a Gaussian's sigma >= sqrt(2 ln N). Definitions: docs/CROWDING.md."})
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

    @Mixin
    CrowdingOutput output;

    /** Key columns of a point (what identifies it in a resumed run). */
    static final List<String> KEYS = List.of("distribution", "mitigation", "s", "n");

    /** Every column, in CSV order; the contract's four first. */
    static final List<String> COLUMNS = List.of("n", "meanP", "stdErr", "meanField", "difference", "s", "margin",
            "distribution", "law", "mu", "sigma", "lo", "hi", "shift", "rate", "nu", "mitigation", "sd", "q05", "q25",
            "median", "q75", "q95", "smallN", "maxDominates");

    record Context(CrowdingOptions.LawPoint law, Mitigation mitigation) {}

    @Override
    public Integer call() {
        options.checkReps();
        Backend backend = common.selectBackend();
        boolean byMargin = score != null && score.margin != null;
        double[] values = score == null ? new double[] {5} : byMargin ? score.margin : score.s;
        Setup setup = setup(options.laws(), values, byMargin, options.ns(), options.mitigations(), options.reps,
                options.seed, backend);
        RunDirectory run = output.open("crowding", setup.params(), List.of(options.seed), spec, backend);
        Outcome o;
        try (StopSignal stop = StopSignal.install()) {
            o = execute(run, setup, backend, options.reps, options.seed, batch, output.progressMode(), stop,
                    spec.commandLine().getErr());
        }
        Map<String, Object> top = CrowdingOutput.summary(backend, options, run, o.interrupted(), o.points());
        spec.commandLine().getOut().print(common.json() ? Json.write(top) + "\n" : table(o.points(), backend));
        return 0;
    }

    /** The grid's points (key and parameter columns), what computes each, and the run's identifying parameters. */
    record Setup(List<Map<String, Object>> grid, Map<Map<String, Object>, Context> context, Map<String, Object> params) {}

    /** What a run produced: the rows in grid order, whether Ctrl-C stopped it, the plot files. */
    record Outcome(List<Map<String, Object>> points, boolean interrupted, List<String> plots) {}

    static Setup setup(List<CrowdingOptions.LawPoint> laws, double[] values, boolean byMargin, List<Long> ns,
                       List<Mitigation> mitigations, int reps, long seed, Backend backend) {
        List<Map<String, Object>> grid = new ArrayList<>();
        Map<Map<String, Object>, Context> context = new java.util.IdentityHashMap<>();
        for (CrowdingOptions.LawPoint lp : laws) {
            double mean = lp.law().mean();
            if (byMargin && !Double.isFinite(mean)) {
                throw new InputException("--margin: the law " + lp.label() + " has no finite mean; give --s");
            }
            for (double v : values) {
                double s = byMargin ? mean + v : v;
                for (long n : ns) {
                    for (Mitigation m : mitigations) {
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("distribution", lp.label());
                        p.put("mitigation", CrowdingOptions.label(m));
                        p.put("s", s);
                        p.put("n", n);
                        if (byMargin) {
                            p.put("margin", v);
                        }
                        p.putAll(lp.describe());
                        grid.add(p);
                        context.put(p, new Context(lp, m));
                    }
                }
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("n", ns);
        params.put("distributions", laws.stream().map(CrowdingOptions.LawPoint::label).toList());
        params.put(byMargin ? "margin" : "s", java.util.Arrays.stream(values).boxed().toList());
        params.put("mitigations", mitigations.stream().map(CrowdingOptions::label).toList());
        params.put("reps", reps);
        params.put("seed", seed);
        params.put("backend", backend.name());
        return new Setup(grid, context, params);
    }

    /** Runs (or resumes) the grid into {@code run}: points, plots, manifest status. */
    static Outcome execute(RunDirectory run, Setup setup, Backend backend, int reps, long seed, int batch,
                           Progress.Mode mode, StopSignal stop, java.io.PrintWriter err) {
        try (PointLog log = run.points(KEYS, COLUMNS)) {
            RunLoop.Result r = RunLoop.run("crowding", log, setup.grid(), p -> {
                Context c = setup.context().get(p);
                long n = ((Number) p.get("n")).longValue();
                CrowdingSimulation.Point pt = CrowdingSimulation.point(backend, n, ((Number) p.get("s")).doubleValue(), c.law().law(),
                        reps, seed, c.mitigation(), batch, slowPointProgress(n, mode, err));
                return results(pt);
            }, mode, stop);
            List<Map<String, Object>> points = CrowdingOutput.rowsInGridOrder(log, setup.grid());
            List<String> plots = plot(run, points);
            run.finish(r.interrupted() ? "interrupted" : "complete", log.size());
            return new Outcome(points, r.interrupted(), plots);
        }
    }

    /**
     * Within one point, a line on stderr every 10 s once the point has run for 10 s (large N on a slow
     * backend), so a long point is not silent; nothing with --progress off.
     */
    static CrowdingSimulation.BatchDone slowPointProgress(long n, Progress.Mode mode, java.io.PrintWriter err) {
        if (mode == Progress.Mode.OFF) {
            return null;
        }
        long start = System.nanoTime();
        long[] last = {start};
        return (done, total) -> {
            long now = System.nanoTime();
            if (now - last[0] >= 10_000_000_000L && done < total) {
                last[0] = now;
                double per = (now - start) / 1e9 / done;
                err.printf("crowding: N = %d: %d/%d repetitions, about %.0f s left in this point%n",
                        n, done, total, per * (total - done));
                err.flush();
            }
        };
    }

    static Map<String, Object> results(CrowdingSimulation.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("meanP", p.meanP());
        m.put("stdErr", p.stats().stdErr());
        m.put("meanField", p.meanField());
        m.put("difference", p.difference());
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

    /** One PNG per distribution: mean P_N (markers) and the mean field (dashed) against N, log-log. */
    static List<String> plot(RunDirectory run, List<Map<String, Object>> points) {
        List<String> files = new ArrayList<>();
        Map<String, List<Map<String, Object>>> byLaw = new LinkedHashMap<>();
        for (Map<String, Object> p : points) {
            byLaw.computeIfAbsent((String) p.get("distribution"), k -> new ArrayList<>()).add(p);
        }
        for (var e : byLaw.entrySet()) {
            Map<String, List<Map<String, Object>>> curves = new LinkedHashMap<>();
            for (Map<String, Object> p : e.getValue()) {
                String name = p.get("mitigation") + ", s=" + CrowdingOptions.num(PointLog.number(p, "s"));
                curves.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
            }
            List<Plots.Series> series = new ArrayList<>();
            for (var c : curves.entrySet()) {
                CrowdingOutput.addCurvePair(series, c.getKey(), c.getValue(), "n", "mean P_N", "meanP", "mean field",
                        "meanField");
            }
            String file = "crowding-" + CrowdingOutput.slug(e.getKey()) + ".png";
            Plots.line(run.file(file), "P_N against N: " + e.getKey(), "N", "P_N", series, true, true);
            files.add(file);
        }
        return files;
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
