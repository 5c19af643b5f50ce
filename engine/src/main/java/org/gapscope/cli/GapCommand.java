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
        description = {"Jensen gap of logit summation (MATH.md section 3) for per-head logits of shape HxV or BxHxV.",
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
        spec.commandLine().getOut().print(render(r, backend, common.json()));
        return 0;
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
