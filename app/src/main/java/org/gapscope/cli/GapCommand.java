package org.gapscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.GapResult;
import org.gapscope.api.InputException;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;
import org.gapscope.io.InputIdentity;
import org.gapscope.io.TensorFiles;
import org.gapscope.measure.JsonValues;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gap", mixinStandardHelpOptions = true,
        description = {"Jensen gap of logit summation per token, for per-head logits read from a file.",
            "Per-head logits of shape HxV or BxHxV (docs/MATH.md section 3). Prints per token gamma = sum_h log Z_h"
                + " - log Z, gammaJ (the averaged-logit gap), logZ, logZHeads and, with --target, the ledger"
                + " sum_h p_h - p_{H+1}, which equals gamma (+ extra_{y*} with --extra), and the Theorem 4 gaps"
                + " logGap and brierGap of the equal-weight mixture of the heads' softmaxes (docs/MATH.md section 4;"
                + " the heads only: --extra does not enter them)."})
public final class GapCommand extends BaseCommand {
    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "Per-head logits: .npy (float32/float64, C order) or .safetensors, shape HxV or BxHxV.")
    Path input;

    @Option(names = "--tensor", paramLabel = "NAME", description = "Tensor name inside a safetensors file.")
    String tensorName;

    @Option(names = "--extra", paramLabel = "FILE",
            description = "Extra logits (e.g. the feed-forward block's) added to the aggregate: shape V or BxV.")
    Path extra;

    @Option(names = "--target", split = ",", paramLabel = "Y",
            description = {"Observed token y*: one for every token, or one per token (comma-separated). Adds the",
                "ledger and the mixture score gaps logGap and brierGap (beta_h = 1/H, the heads' logits only)."})
    int[] target;

    @Option(names = "--out", paramLabel = "DIR",
            description = {"Also write the per-token results as a run directory: points.csv, points.jsonl,",
                "manifest.json, gamma-per-token.png. The run is identified by the input files' paths, sizes and",
                "SHA-256 of their whole content: a directory written for other content is refused."})
    Path out;

    @Option(names = "--restart",
            description = "With --out: discard that directory's earlier gap run (manifest, points, plot) and start over.")
    boolean restart;

    /** The files of a gap run directory besides the manifest (what --restart deletes). */
    static final List<String> RUN_FILES = List.of("points.csv", "points.jsonl", "gamma-per-token.png");

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        if (restart && out == null) {
            throw new InputException("--restart: applies to --out DIR only");
        }
        Tensor logits = TensorFiles.read(input, tensorName);
        if (logits.rank() != 2 && logits.rank() != 3) {
            throw new InputException(input + ": expected per-head logits of shape HxV or BxHxV, got shape "
                    + java.util.Arrays.toString(logits.shape()));
        }
        Tensor extraLogits = extra == null ? null : TensorFiles.read(extra, null);
        if (extraLogits != null && extraLogits.rank() != 1 && extraLogits.rank() != 2) {
            throw new InputException(extra + ": expected extra logits of shape V or BxV, got shape "
                    + java.util.Arrays.toString(extraLogits.shape()));
        }
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
        org.gapscope.measure.RunDirectory run = out == null ? null : openRun(backend);
        GapResult r = backend.jensenGap(logits, extraLogits, targets);
        MixtureColumns mix = targets == null ? null : mixtureGaps(backend, logits, targets);
        if (run != null) {
            writeRun(run, r, targets, mix);
        }
        print(render(r, mix, backend, common.json()));
        return 0;
    }

    static final List<String> COLUMNS = List.of("token", "target", "gamma", "gammaJ", "logZ", "sumLogZHeads", "ledger",
            "logGap", "brierGap", "nonFinite");

    /** Per token, the Theorem 4 log and Brier gaps of the equal-weight mixture of the heads (as the sweep names them). */
    record MixtureColumns(double[] logGap, double[] brierGap) {}

    /** The scores of {@link #mixtureGaps}, in one call per token (what {@code bench mixture-gaps} times). */
    static final List<MixtureGaps.Score> SCORES =
            List.of(MixtureGaps.Score.LOG, MixtureGaps.Score.BRIER);

    /**
     * Per token t, {@code backend.mixtureGaps} of its [H, V] slice with beta_h = 1/H at targets[t], for the
     * log and the Brier score (one call for both): their gaps. The extra logits do not enter (a mixture of
     * the heads only).
     */
    static MixtureColumns mixtureGaps(Backend backend, Tensor logits, int[] targets) {
        int h = Math.toIntExact(logits.dim(logits.rank() - 2));
        long v = logits.dim(logits.rank() - 1);
        double[] beta = new double[h];
        java.util.Arrays.fill(beta, 1.0 / h);
        double[] log = new double[targets.length];
        double[] brier = new double[targets.length];
        long bytes = h * v * logits.dtype().bytes;
        for (int t = 0; t < targets.length; t++) {
            Tensor token = new Tensor(logits.dtype(), logits.segment().asSlice(t * bytes, bytes), h, v);
            List<MixtureGaps> g = backend.mixtureGaps(token, beta, targets[t], SCORES);
            log[t] = g.get(0).gap();
            brier[t] = g.get(1).gap();
        }
        return new MixtureColumns(log, brier);
    }

    /**
     * Opens (or resumes) the run directory before anything is computed. Its identity holds each input's
     * path, size and SHA-256 ({@link InputIdentity}); a directory written for other content of the same
     * path is refused in one line unless --restart asks to start over.
     */
    org.gapscope.measure.RunDirectory openRun(Backend backend) {
        Map<String, Object> params = new LinkedHashMap<>(InputIdentity.of(input).asParameters("input"));
        params.put("tensor", tensorName);
        if (extra == null) {
            params.put("extra", null);
        } else {
            params.putAll(InputIdentity.of(extra).asParameters("extra"));
        }
        params.put("target", target == null ? null : java.util.Arrays.stream(target).boxed().toList());
        params.put("backend", backend.name());
        if (restart) {
            org.gapscope.measure.RunDirectory.startOver(out, "gap", RUN_FILES);
        } else {
            Map<String, Object> old = org.gapscope.measure.RunDirectory.recordedParameters(out);
            for (String file : List.of("input", "extra")) {
                if (old != null && params.get(file) != null && params.get(file).equals(old.get(file))
                        && !params.get(file + "Sha256").equals(old.get(file + "Sha256"))) {
                    throw new InputException("output directory " + out + ": was written for other content of "
                            + params.get(file) + " (" + old.get(file + "Bytes") + " bytes, sha256 " + head(old.get(file + "Sha256"))
                            + " there; " + params.get(file + "Bytes") + " bytes, sha256 " + head(params.get(file + "Sha256"))
                            + " now); add --restart to start over, or choose another --out");
                }
            }
        }
        return org.gapscope.measure.RunDirectory.open(out, "gap", params, List.of(),
                spec.commandLine().getParseResult().originalArgs(), backend);
    }

    private static String head(Object sha) {
        String s = String.valueOf(sha);
        return s.length() > 12 ? s.substring(0, 12) + "..." : s;
    }

    /** The per-token results into the run directory (one point per token, keyed by the token index). */
    void writeRun(org.gapscope.measure.RunDirectory run, GapResult r, int[] targets, MixtureColumns mix) {
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
                m.put("logGap", mix == null ? null : mix.logGap()[t]);
                m.put("brierGap", mix == null ? null : mix.brierGap()[t]);
                m.put("nonFinite", r.nonFinite()[t]);
                log.append(m);
            }
            org.gapscope.measure.Plots.line(run.file("gamma-per-token.png"), "Jensen gap per token (H = " + r.heads() + ")",
                    "token", "Gamma", List.of(new org.gapscope.measure.Plots.Series("Gamma", x, r.gamma(), false),
                            new org.gapscope.measure.Plots.Series("Gamma_J", x, r.gammaJ(), false)), false, false);
            run.finish("complete", log.size());
        }
    }

    static String render(GapResult r, MixtureColumns mix, Backend backend, boolean json) {
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
                if (mix != null) {
                    m.put("logGap", mix.logGap()[t]);
                    m.put("brierGap", mix.brierGap()[t]);
                }
                rows.add(org.gapscope.measure.JsonValues.annotate(m));
            }
            return Json.write(JsonValues.object("backend", backend.name(), "device", backend.device(), "heads",
                    r.heads(), "extraIncluded", r.extraIncluded(), "nonFinite", r.nonFinite(), "tokens", rows)) + "\n";
        }
        Table t = mix != null
                ? new Table("token", "gamma", "gammaJ", "logZ", "sum logZ_h", "ledger", "logGap", "brierGap", "nonFinite")
                : new Table("token", "gamma", "gammaJ", "logZ", "sum logZ_h", "nonFinite");
        for (int k = 0; k < r.tokens(); k++) {
            double sum = 0;
            for (int h = 0; h < r.heads(); h++) {
                sum += r.logZHead(k, h);
            }
            if (mix != null) {
                t.row(k, r.gamma()[k], r.gammaJ()[k], r.logZ()[k], sum, r.ledger()[k], mix.logGap()[k],
                        mix.brierGap()[k], r.nonFinite()[k]);
            } else {
                t.row(k, r.gamma()[k], r.gammaJ()[k], r.logZ()[k], sum, r.nonFinite()[k]);
            }
        }
        return "backend " + backend.name() + " (" + backend.device() + "), H = " + r.heads()
                + (r.extraIncluded() ? ", extra logits included in log Z" : "") + "\n" + t;
    }
}
