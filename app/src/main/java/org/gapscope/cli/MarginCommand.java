package org.gapscope.cli;

import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.measure.MarginSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "margin", mixinStandardHelpOptions = true,
        description = {"The margin s*(N, p) that keeps the simulated mean of P_N at p, next to Corollary 1.",
            "Solved over a grid of N and sigma and printed next to P2 Corollary 1's ln(N-1) + ln M"
                + " + ln(p/(1-p)) (docs/MATH.md section 7). Common random numbers: for none/temperature/scalable"
                + " the distractors' log-sum-exp D_r does not depend on s, so they are simulated once and"
                + " mean_r 1/(1 + e^(D_r - c s)) = p is solved exactly by bisection; top-k re-simulates per s."
                + " Flags smallN and maxDominates as for crowding."})
public final class MarginCommand extends BaseCommand {
    @Mixin
    ClusterOption cluster;

    @Mixin
    CrowdingOptions options;

    @Option(names = "--p", split = ",", defaultValue = "0.5", paramLabel = "P",
            description = "Target mean P_N, strictly between 0 and 1 (comma list). Default: ${DEFAULT-VALUE}.")
    double[] p;

    @Mixin
    RunOptions output;

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        MarginSweep sweep = new MarginSweep(options.laws(), options.ns(), p, options.mitigations(), options.reps,
                options.seed);
        org.gapscope.measure.Progress.Mode mode = output.progressMode();
        try (org.gapscope.measure.Cluster c = cluster.open("margin", output.out)) {
            return RunOptions.run(sweep, output.dir("margin"), backend, c, spec, mode, o -> {
                Map<String, Object> top = CrowdingCommand.summary(backend, options, o);
                print(common.json() ? Json.write(top) + "\n" : table(o.rows(), backend));
            });
        }
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
