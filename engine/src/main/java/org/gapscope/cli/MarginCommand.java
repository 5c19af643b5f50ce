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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "margin", mixinStandardHelpOptions = true,
        description = {"The margin s*(N, p) at which the simulated mean of P_N equals p (MATH.md section 7), next to",
            "P2 Corollary 1's ln(N-1) + ln M + ln(p/(1-p)), over a grid of N and sigma. Common random numbers across s:",
            "for none/temperature/scalable the distractors' log-sum-exp D_r does not depend on s, so they are simulated",
            "once and mean_r 1/(1 + e^(D_r - s)) = p is solved exactly by bisection; top-k re-simulates per s.",
            "Flags where they part: smallN (N < 100 e^(sigma^2) for a Gaussian), maxDominates (sigma >= sqrt(2 ln N))."})
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

    @Override
    public Integer call() {
        options.checkReps();
        Backend backend = common.selectBackend();
        List<Map<String, Object>> points = new ArrayList<>();
        for (CrowdingOptions.LawPoint lp : options.laws()) {
            for (long n : options.ns()) {
                for (double target : p) {
                    for (Mitigation m : options.mitigations()) {
                        points.add(row(lp, n, target, m, MarginSolver.solve(backend, n, target, lp.law(),
                                options.reps, options.seed, m)));
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

    static Map<String, Object> row(CrowdingOptions.LawPoint lp, long n, double p, Mitigation m, MarginSolver.Solution sol) {
        Map<String, Object> r = new LinkedHashMap<>();
        double f = formula(n, p, lp.law(), m);
        Law effective = m.kind() == Mitigation.Kind.TOP_K || n <= 1 ? lp.law() : MeanField.scaled(lp.law(), m.scoreScale(n));
        r.put("n", n);
        r.put("p", p);
        r.put("sStar", sol.sStar());
        r.put("sFormula", f);
        r.put("difference", sol.sStar() - f);
        r.put("sStarStdErr", sol.stdErr());
        r.putAll(lp.describe());
        r.put("mitigation", CrowdingOptions.label(m));
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
