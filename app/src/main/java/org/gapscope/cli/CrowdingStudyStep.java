package org.gapscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.measure.CrowdingSweep;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.Study;
import org.gapscope.measure.Sweep;

/**
 * The study's crowding step: a small P_N curve, Gaussian(0, 1) distractors, s = 5, N = 10 .. 10^6 (one
 * point per decade), 100 repetitions, plain softmax and scalable softmax (C = 0.5) on the same draws.
 * About 2.2e8 draws: seconds on the cpu backend, about 10 s on the one-thread reference backend.
 */
final class CrowdingStudyStep implements Study.Step {
    static final int REPS = 100;
    static final long SEED = 1;

    @Override
    public String name() {
        return "crowding";
    }

    @Override
    public Study.Summary run(Study.Context ctx) {
        CrowdingSweep sweep = new CrowdingSweep(List.of(new CrowdingSweep.Distribution("gaussian", Law.gaussian(0, 1), 1)),
                new double[] {5}, false, List.of(10L, 100L, 1000L, 10_000L, 100_000L, 1_000_000L),
                List.of(Mitigation.NONE, new Mitigation(Mitigation.Kind.SCALABLE, 0.5)), REPS, SEED, 256);
        Sweep.Outcome o = sweep.run(ctx.dir(), ctx.backend(), ctx.commandLine(), ctx.progress(), ctx.stop());
        RunDirectory run = o.run();
        // headline: the largest |mean - mean field| in standard errors over the plain-softmax points that are
        // in the mean-field regime, and P_N at the largest N with and without scalable softmax
        double worst = 0;
        int covered = 0;
        int plainRows = 0;
        String at = "-";
        String scal = "-";
        for (Map<String, Object> r : o.rows()) {
            boolean plain = "none".equals(r.get("mitigation"));
            plainRows += plain ? 1 : 0;
            if (plain && !Boolean.TRUE.equals(r.get("smallN"))) {
                covered++;
                double se = PointLog.number(r, "stdErr");
                if (se > 0) {
                    worst = Math.max(worst, Math.abs(PointLog.number(r, "difference")) / se);
                }
            }
            if (PointLog.number(r, "n") == 1_000_000) {
                if (plain) {
                    at = Table.fmt(PointLog.number(r, "meanP")) + " (mean field " + Table.fmt(PointLog.number(r, "meanField")) + ")";
                } else {
                    scal = Table.fmt(PointLog.number(r, "meanP"));
                }
            }
        }
        List<Path> files = new ArrayList<>(List.of(run.file(PointLog.CSV), run.file(PointLog.JSONL)));
        o.plots().forEach(p -> files.add(run.file(p)));
        files.add(run.file(RunDirectory.MANIFEST));
        return new Study.Summary(name(), o.rows().size() + " points: P_N vs N (10..1e6), Gaussian(0,1), s = 5, plain and scalable softmax",
                "P_N(N=1e6) = " + at + ", with scalable softmax (0.5 ln N) " + scal + ". Plain-softmax rows with"
                        + " N >= 100 e^(sigma^2) (" + covered + " of " + plainRows + "; the scalable-softmax rows"
                        + " are not covered): |mean - mean field| <= " + String.format("%.1f", worst) + " SE",
                files, o.interrupted());
    }
}
