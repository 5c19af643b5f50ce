package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.MarginSolver;
import org.gapscope.crowding.MeanField;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Plots;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.RunLoop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "margin", mixinStandardHelpOptions = true,
        description = {"The margin s*(N, p) at which the simulated mean of P_N equals p",
            "(docs/MATH.md section 7), next to P2 Corollary 1's ln(N-1) + ln M + ln(p/(1-p)), over a grid",
            "of N and sigma. Common random numbers: for none/temperature/scalable the",
            "distractors' log-sum-exp D_r does not depend on s, so they are simulated once",
            "and mean_r 1/(1 + e^(D_r - c s)) = p is solved exactly by bisection; top-k",
            "re-simulates per s. Flags smallN and maxDominates as for crowding."})
public final class MarginCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Mixin
    CrowdingOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--p", split = ",", defaultValue = "0.5", paramLabel = "P",
            description = "Target mean P_N, strictly between 0 and 1 (comma list). Default: ${DEFAULT-VALUE}.")
    double[] p;

    @Mixin
    CrowdingOutput output;

    static final List<String> KEYS = List.of("distribution", "mitigation", "p", "n");

    static final List<String> COLUMNS = List.of("n", "p", "sStar", "sFormula", "difference", "sStarStdErr",
            "distribution", "law", "mu", "sigma", "lo", "hi", "shift", "rate", "nu", "mitigation", "lnN", "smallN",
            "maxDominates", "simulations");

    record Context(CrowdingOptions.LawPoint law, Mitigation mitigation) {}

    @Override
    public Integer call() {
        options.checkReps();
        for (double target : p) {
            if (!(target > 0 && target < 1)) {
                throw new org.gapscope.api.InputException("--p: the target probability must lie strictly between 0 and 1, got " + target);
            }
        }
        Backend backend = common.selectBackend();
        List<CrowdingOptions.LawPoint> laws = options.laws();
        List<Long> ns = options.ns();
        List<Mitigation> mitigations = options.mitigations();
        List<Map<String, Object>> grid = new ArrayList<>();
        Map<Map<String, Object>, Context> context = new java.util.IdentityHashMap<>();
        for (CrowdingOptions.LawPoint lp : laws) {
            for (long n : ns) {
                for (double target : p) {
                    for (Mitigation m : mitigations) {
                        Map<String, Object> pt = new LinkedHashMap<>();
                        pt.put("distribution", lp.label());
                        pt.put("mitigation", CrowdingOptions.label(m));
                        pt.put("p", target);
                        pt.put("n", n);
                        pt.putAll(lp.describe());
                        grid.add(pt);
                        context.put(pt, new Context(lp, m));
                    }
                }
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("n", ns);
        params.put("p", java.util.Arrays.stream(p).boxed().toList());
        params.put("distributions", laws.stream().map(CrowdingOptions.LawPoint::label).toList());
        params.put("mitigations", mitigations.stream().map(CrowdingOptions::label).toList());
        params.put("reps", options.reps);
        params.put("seed", options.seed);
        params.put("backend", backend.name());
        RunDirectory run = output.open("margin", params, List.of(options.seed), spec, backend);
        List<Map<String, Object>> points;
        boolean interrupted;
        try (PointLog log = run.points(KEYS, COLUMNS)) {
            RunLoop.Result r = RunLoop.run("margin", log, grid, pt -> {
                Context c = context.get(pt);
                long n = ((Number) pt.get("n")).longValue();
                double target = ((Number) pt.get("p")).doubleValue();
                return results(c.law(), n, target, c.mitigation(),
                        MarginSolver.solve(backend, n, target, c.law().law(), options.reps, options.seed, c.mitigation()));
            }, output.progressMode());
            interrupted = r.interrupted();
            points = CrowdingOutput.rowsInGridOrder(log, grid);
            plot(run, points);
            run.finish(interrupted ? "interrupted" : "complete", log.size());
        }
        Map<String, Object> top = CrowdingOutput.summary(backend, options, run, interrupted, points);
        spec.commandLine().getOut().print(common.json() ? Json.write(top) + "\n" : table(points, backend));
        return 0;
    }

    /** s* (markers) and Corollary 1 (dashed) against ln N, one pair of curves per distribution, mitigation and p. */
    static void plot(RunDirectory run, List<Map<String, Object>> points) {
        Map<String, List<Map<String, Object>>> curves = new LinkedHashMap<>();
        for (Map<String, Object> r : points) {
            String name = r.get("distribution") + ", " + r.get("mitigation") + ", p=" + CrowdingOptions.num(PointLog.number(r, "p"));
            curves.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        }
        List<Plots.Series> series = new ArrayList<>();
        for (var c : curves.entrySet()) {
            CrowdingOutput.addCurvePair(series, c.getKey(), c.getValue(), "lnN", "s* simulated", "sStar",
                    "Corollary 1", "sFormula");
        }
        Plots.line(run.file("margin.png"), "s*(N, p) against ln N", "ln N", "s*", series, false, false);
    }

    /** Corollary 1 for the scores that enter the softmax (c X and c s under a multiplicative mitigation). */
    static double formula(long n, double p, Law law, Mitigation m) {
        if (m.kind() == Mitigation.Kind.TOP_K) {
            return Double.NaN;
        }
        if (n <= 1) {
            return Double.NEGATIVE_INFINITY;
        }
        double c = m.scoreScale(n);
        return MeanField.sFormula(n, p, MeanField.scaled(law, c)) / c;
    }

    static Map<String, Object> results(CrowdingOptions.LawPoint lp, long n, double p, Mitigation m, MarginSolver.Solution sol) {
        Map<String, Object> r = new LinkedHashMap<>();
        double f = formula(n, p, lp.law(), m);
        Law effective = m.kind() == Mitigation.Kind.TOP_K || n <= 1 ? lp.law() : MeanField.scaled(lp.law(), m.scoreScale(n));
        r.put("sStar", sol.sStar());
        r.put("sFormula", f);
        r.put("difference", sol.sStar() - f);
        r.put("sStarStdErr", sol.stdErr());
        r.put("lnN", Math.log((double) n));
        r.put("smallN", MeanField.smallN(n, effective));
        r.put("maxDominates", MeanField.maxDominates(n, effective));
        r.put("simulations", sol.evaluations());
        return r;
    }

    static String table(List<Map<String, Object>> points, Backend backend) {
        Table t = new Table("law", "mitigation", "N", "p", "sStar", "stdErr", "sFormula", "difference", "flags");
        for (Map<String, Object> m : points) {
            t.row(CrowdingCommand.lawLabel(m), m.get("mitigation"), m.get("n"), m.get("p"), m.get("sStar"),
                    m.get("sStarStdErr"), m.get("sFormula"), m.get("difference"), CrowdingCommand.flags(m));
        }
        return "margin s*(N, p), backend " + backend.name() + " (" + backend.device() + ")\n" + t;
    }
}
