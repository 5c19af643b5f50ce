package org.gapscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.GapResult;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;
import org.gapscope.io.TensorFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gap", mixinStandardHelpOptions = true,
        description = {"Jensen gap of logit summation (docs/MATH.md section 3) for per-head logits of shape HxV or BxHxV.",
            "Prints per token gamma = sum_h log Z_h - log Z, gammaJ (averaged-logit gap), logZ, logZHeads and,",
            "with --target, ledger = sum_h p_h - p_{H+1}, which equals gamma (+ extra_{y*} with --extra)."})
public final class GapCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "Per-head logits: .npy (float32/float64, C order) or .safetensors, shape HxV or BxHxV.")
    Path input;

    @Option(names = "--tensor", paramLabel = "NAME", description = "Tensor name inside a safetensors file.")
    String tensorName;

    @Option(names = "--extra", paramLabel = "FILE",
            description = "Extra logits (e.g. the feed-forward block's) added to the aggregate: shape V or BxV.")
    Path extra;

    @Option(names = "--target", split = ",", paramLabel = "Y",
            description = "Observed token y*: one for every token, or one per token (comma-separated).")
    int[] target;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Also write the per-token results as a run directory: points.csv, points.jsonl, manifest.json, gamma-per-token.png.")
    Path out;

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        Tensor logits = TensorFiles.read(input, tensorName);
        Tensor extraLogits = extra == null ? null : TensorFiles.read(extra, null);
        long tokens = logits.rank() == 3 ? logits.dim(0) : 1;
        int[] targets = null;
        if (target != null) {
            if (target.length == 1) {
                targets = new int[Math.toIntExact(tokens)];
                java.util.Arrays.fill(targets, target[0]);
            } else if (target.length == tokens) {
                targets = target;
            } else {
                throw new InputException("--target: " + target.length + " values for " + tokens
                        + " tokens (give one, or one per token)");
            }
        }
        GapResult r = backend.jensenGap(logits, extraLogits, targets);
        if (out != null) {
            writeRun(r, backend, targets);
        }
        spec.commandLine().getOut().print(render(r, backend, common.json()));
        return 0;
    }

    static final List<String> COLUMNS = List.of("token", "target", "gamma", "gammaJ", "logZ", "sumLogZHeads", "ledger",
            "nonFinite");

    /** The per-token results as a run directory (one point per token, keyed by the token index). */
    void writeRun(GapResult r, Backend backend, int[] targets) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("input", input.toAbsolutePath().normalize().toString());
        params.put("tensor", tensorName);
        params.put("extra", extra == null ? null : extra.toAbsolutePath().normalize().toString());
        params.put("target", target == null ? null : java.util.Arrays.stream(target).boxed().toList());
        params.put("backend", backend.name());
        org.gapscope.measure.RunDirectory run = org.gapscope.measure.RunDirectory.open(out, "gap", params, List.of(),
                spec.commandLine().getParseResult().originalArgs(), backend);
        run.put("heads", r.heads()).put("extraIncluded", r.extraIncluded());
        double[] x = new double[r.tokens()];
        try (org.gapscope.measure.PointLog log = run.points(List.of("token"), COLUMNS)) {
            for (int t = 0; t < r.tokens(); t++) {
                x[t] = t;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("token", t);
                if (log.done(m)) {
                    continue;
                }
                double sum = 0;
                for (int h = 0; h < r.heads(); h++) {
                    sum += r.logZHead(t, h);
                }
                m.put("target", targets == null ? null : targets[t]);
                m.put("gamma", r.gamma()[t]);
                m.put("gammaJ", r.gammaJ()[t]);
                m.put("logZ", r.logZ()[t]);
                m.put("sumLogZHeads", sum);
                m.put("ledger", r.ledger() == null ? null : r.ledger()[t]);
                m.put("nonFinite", r.nonFinite()[t]);
                log.append(m);
            }
            org.gapscope.measure.Plots.line(run.file("gamma-per-token.png"), "Jensen gap per token (H = " + r.heads() + ")",
                    "token", "Gamma", List.of(new org.gapscope.measure.Plots.Series("Gamma", x, r.gamma(), false),
                            new org.gapscope.measure.Plots.Series("Gamma_J", x, r.gammaJ(), false)), false, false);
            run.finish("complete", log.size());
        }
    }

    static String render(GapResult r, Backend backend, boolean json) {
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int t = 0; t < r.tokens(); t++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("gamma", r.gamma()[t]);
                m.put("gammaJ", r.gammaJ()[t]);
                m.put("logZ", r.logZ()[t]);
                m.put("logZHeads", java.util.Arrays.copyOfRange(r.logZHeads(), t * r.heads(), (t + 1) * r.heads()));
                if (r.ledger() != null) {
                    m.put("ledger", r.ledger()[t]);
                }
                rows.add(m);
            }
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("backend", backend.name());
            top.put("device", backend.device());
            top.put("heads", r.heads());
            top.put("extraIncluded", r.extraIncluded());
            top.put("nonFinite", r.nonFinite());
            top.put("tokens", rows);
            return Json.write(top) + "\n";
        }
        Table t = r.ledger() != null
                ? new Table("token", "gamma", "gammaJ", "logZ", "sum logZ_h", "ledger", "nonFinite")
                : new Table("token", "gamma", "gammaJ", "logZ", "sum logZ_h", "nonFinite");
        for (int k = 0; k < r.tokens(); k++) {
            double sum = 0;
            for (int h = 0; h < r.heads(); h++) {
                sum += r.logZHead(k, h);
            }
            if (r.ledger() != null) {
                t.row(k, r.gamma()[k], r.gammaJ()[k], r.logZ()[k], sum, r.ledger()[k], r.nonFinite()[k]);
            } else {
                t.row(k, r.gamma()[k], r.gammaJ()[k], r.logZ()[k], sum, r.nonFinite()[k]);
            }
        }
        return "backend " + backend.name() + " (" + backend.device() + "), H = " + r.heads()
                + (r.extraIncluded() ? ", extra logits included in log Z" : "") + "\n" + t;
    }
}
