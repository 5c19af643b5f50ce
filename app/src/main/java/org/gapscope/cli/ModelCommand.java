package org.gapscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.io.Checkpoint;
import org.gapscope.io.Npy;
import org.gapscope.measure.JsonValues;
import org.gapscope.measure.PointLog;
import org.gapscope.model.ModelConfig;
import org.gapscope.model.ModelGap;
import org.gapscope.model.ModelGapRun;
import org.gapscope.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Measurements on real transformers read from Hugging Face checkpoints (GPT-2, Llama, Qwen2, Mistral).",
        subcommands = {ModelCommand.Gap.class, ModelCommand.Bench.class})
public final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "gap", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Jensen gap of a transformer over all its attention heads at the full vocabulary (docs/MATH.md section 10):",
                "runs the forward pass, splits the final logits into one logit vector per head l_{i,h} = W_U T(a_{i,h})",
                "(T: the final norm with its scale frozen at x_L) plus the extra logits, and prints per position",
                "gamma = sum log Z(l_{i,h}) - log Z(logits), gammaJ, logZ, logZHeads (layer-major), gammaLayers and",
                "maxLogitError (sum of the parts against the model's logits).",
                "A token file of shape [S, T] (or --out) makes a resumable run directory."})
    public static final class Gap extends BaseCommand {
        @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
                description = "Hugging Face checkpoint: config.json and model.safetensors (or sharded, with model.safetensors.index.json).")
        Path checkpoint;

        @Option(names = "--tokens", split = ",", paramLabel = "ID", description = "Token ids of one sequence, comma-separated.")
        long[] tokens;

        @Option(names = "--tokens-file", paramLabel = "FILE",
                description = "Token ids as .npy int32/int64 of shape [T] or [S, T] (S sequences: a resumable run directory).")
        Path tokensFile;

        @Option(names = "--positions", defaultValue = "all", paramLabel = "P",
                description = "all, last, or a comma-separated list of 0-based positions. Default: ${DEFAULT-VALUE}.")
        String positions;

        @Option(names = "--target", paramLabel = "next",
                description = "next: the ledger for y* = the next token at each position.")
        String target;

        @Mixin
        RunOptions output;

        @Override
        public Integer call() {
            if ((tokens == null) == (tokensFile == null)) {
                throw new InputException("give exactly one of --tokens and --tokens-file");
            }
            if (target != null && !target.equals("next")) {
                throw new InputException("--target: '" + target + "' is not 'next'");
            }
            boolean next = target != null;
            long[][] seqs = tokens != null ? new long[][] {tokens} : Npy.readTokens(tokensFile);
            boolean many = tokensFile != null && seqs.length > 1;
            if (seqs.length == 0 || seqs[0].length == 0) {
                throw new InputException((tokensFile != null ? tokensFile.toString() : "--tokens") + ": no tokens");
            }
            Backend backend = common.selectBackend();
            Transformer model = new Transformer(Checkpoint.open(checkpoint));
            int[] pos = parsePositions(positions, seqs[0].length);
            List<String> args = spec.commandLine().getParseResult().originalArgs();
            if (many || output.out != null) {
                Path dir = output.dir("model gap");
                ModelGapRun.Outcome o = ModelGapRun.run(dir, checkpoint, model, seqs, pos, next, backend, args,
                        output.progressMode());
                if (o.loop().interrupted()) {
                    System.err.println("model gap: stopped after " + o.rows().size() + " of " + seqs.length
                            + " sequences; run the same command with --out " + dir + " to resume");
                }
                print(many ? runSummary(o, backend, common.json())
                        : single(o.rows().get(0), model.config(), backend, common.json()));
                return 0;
            }
            int[] targets = ModelGapRun.targets(seqs[0], pos, next);
            ModelGap.Result r = ModelGap.run(backend, model, seqs[0], pos, targets);
            print(render(r, seqs[0], pos, targets, model.config(), backend, common.json()));
            return 0;
        }

        static int[] parsePositions(String s, int t) {
            if (s.equals("all")) {
                return java.util.stream.IntStream.range(0, t).toArray();
            }
            if (s.equals("last")) {
                return new int[] {t - 1};
            }
            TreeSet<Integer> set = new TreeSet<>();
            for (String part : s.split(",")) {
                int p;
                try {
                    p = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    throw new InputException("--positions: '" + part + "' is not all, last or a 0-based position");
                }
                if (p < 0 || p >= t) {
                    throw new InputException("--positions: " + p + " is outside [0, " + t + ")");
                }
                set.add(p);
            }
            return set.stream().mapToInt(Integer::intValue).toArray();
        }

        static String render(ModelGap.Result r, long[] tokens, int[] pos, int[] targets, ModelConfig cfg, Backend backend,
                             boolean json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int h = r.heads();
            for (int p = 0; p < r.positions(); p++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("position", pos[p]);
                m.put("token", tokens[pos[p]]);
                m.put("gamma", r.gamma()[p]);
                m.put("gammaJ", r.gammaJ()[p]);
                m.put("logZ", r.logZ()[p]);
                m.put("logZHeads", java.util.Arrays.copyOfRange(r.logZHeads(), p * h, (p + 1) * h));
                m.put("gammaLayers", java.util.Arrays.copyOfRange(r.gammaLayers(), p * r.layers(), (p + 1) * r.layers()));
                m.put("maxLogitError", r.maxLogitError()[p]);
                if (targets != null) {
                    m.put("target", targets[p] < 0 ? null : targets[p]);
                    m.put("ledger", targets[p] < 0 ? null : r.ledger()[p]);
                }
                rows.add(m);
            }
            if (json) {
                Map<String, Object> top = header(cfg, backend);
                top.put("positions", rows);
                return Json.write(top) + "\n";
            }
            Table t = targets != null
                    ? new Table("position", "token", "gamma", "gammaJ", "logZ", "maxLogitError", "target", "ledger")
                    : new Table("position", "token", "gamma", "gammaJ", "logZ", "maxLogitError");
            for (Map<String, Object> m : rows) {
                if (targets != null) {
                    t.row(m.get("position"), m.get("token"), m.get("gamma"), m.get("gammaJ"), m.get("logZ"),
                            m.get("maxLogitError"), m.get("target") == null ? "-" : m.get("target"),
                            m.get("ledger") == null ? "-" : m.get("ledger"));
                } else {
                    t.row(m.get("position"), m.get("token"), m.get("gamma"), m.get("gammaJ"), m.get("logZ"),
                            m.get("maxLogitError"));
                }
            }
            return cfg.modelType() + ", " + cfg.layers() + " layers x " + cfg.heads() + " heads, vocab " + cfg.vocab()
                    + "; backend " + backend.name() + " (" + backend.device() + ")\n" + t;
        }

        static Map<String, Object> header(ModelConfig cfg, Backend backend) {
            return JsonValues.object("backend", backend.name(), "device", backend.device(), "modelType",
                    cfg.modelType(), "layers", cfg.layers(), "headsPerLayer", cfg.heads(), "vocab", cfg.vocab());
        }

        /** One sequence written to --out: printed from its row as read back. */
        static String single(Map<String, Object> row, ModelConfig cfg, Backend backend, boolean json) {
            Map<String, Object> top = header(cfg, backend);
            top.put("sequence", row);
            if (json) {
                return Json.write(top) + "\n";
            }
            Table t = new Table("position", "token", "gamma", "gammaJ", "logZ", "maxLogitError");
            List<?> pos = (List<?>) row.get("positions");
            List<?> toks = (List<?>) row.get("tokens");
            double[] g = doubles(row.get("gamma"));
            double[] gj = doubles(row.get("gammaJ"));
            double[] z = doubles(row.get("logZ"));
            double[] e = doubles(row.get("maxLogitError"));
            for (int i = 0; i < g.length; i++) {
                t.row(pos.get(i), toks.get(((Number) pos.get(i)).intValue()), g[i], gj[i], z[i], e[i]);
            }
            return cfg.modelType() + ", " + cfg.layers() + " layers x " + cfg.heads() + " heads, vocab " + cfg.vocab()
                    + "; backend " + backend.name() + "\n" + t;
        }

        static String runSummary(ModelGapRun.Outcome o, Backend backend, boolean json) {
            if (json) {
                Map<String, Object> top = new LinkedHashMap<>();
                top.put("out", o.run().dir().toString());
                top.put("backend", backend.name());
                top.put("computed", o.loop().computed());
                top.put("skipped", o.loop().skipped());
                top.put("interrupted", o.loop().interrupted());
                top.put("sequences", o.rows());
                return Json.write(top) + "\n";
            }
            Table t = new Table("sequence", "positions", "mean gamma", "min gamma", "max gamma", "max maxLogitError");
            for (Map<String, Object> r : o.rows()) {
                double[] g = doubles(r.get("gamma"));
                double[] e = doubles(r.get("maxLogitError"));
                t.row(r.get("sequence"), g.length, java.util.Arrays.stream(g).average().orElse(Double.NaN),
                        java.util.Arrays.stream(g).min().orElse(Double.NaN), java.util.Arrays.stream(g).max().orElse(Double.NaN),
                        java.util.Arrays.stream(e).max().orElse(Double.NaN));
            }
            return "model gap on " + backend.name() + ": " + o.loop().computed() + " computed, " + o.loop().skipped()
                    + " resumed" + (o.loop().interrupted() ? ", interrupted" : "") + "\n" + t + "files:\n  "
                    + o.run().dir().resolve(PointLog.JSONL) + "\n  " + o.run().dir().resolve(ModelGapRun.GAMMA_PLOT) + "\n  "
                    + o.run().dir().resolve(ModelGapRun.LAYER_PLOT) + "\n";
        }

        static double[] doubles(Object o) {
            List<?> l = (List<?>) o;
            double[] d = new double[l.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = l.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
            }
            return d;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Times model gap on random weights of a real model's shape, generated in memory (no download):",
                "gpt2-small or llama-3.2-1b (all layers share one random block). Prints median and min seconds and",
                "the GFLOP/s of the per-head unembedding (2 V d P (H + 2) flops) over the whole call, per wall second and per",
                "CPU-second of the process (meaningful on a shared machine), with the load average."})
    public static final class Bench extends BaseCommand {
        @Option(names = "--shape", defaultValue = "gpt2-small", paramLabel = "NAME",
                description = "gpt2-small or llama-3.2-1b. Default: ${DEFAULT-VALUE}.")
        String shape;

        @Option(names = "--positions", defaultValue = "64", paramLabel = "T",
                description = "Sequence length; Gamma at every position. Default: ${DEFAULT-VALUE}.")
        int positions;

        @Option(names = "--repetitions", defaultValue = "3", paramLabel = "K", description = "Timed calls. Default: ${DEFAULT-VALUE}.")
        int repetitions;

        @Option(names = "--warmup", defaultValue = "1", paramLabel = "K", description = "Untimed calls first. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Override
        public Integer call() {
            if (positions < 1 || repetitions < 1 || warmup < 0) {
                throw new InputException("--positions and --repetitions must be >= 1, --warmup >= 0");
            }
            Backend backend = common.selectBackend();
            Transformer model = new Transformer(org.gapscope.model.RandomModels.checkpoint(shape));
            ModelConfig cfg = model.config();
            long[] tokens = new long[positions];
            for (int i = 0; i < positions; i++) {
                tokens[i] = (i * 7919L + 13) % cfg.vocab();
            }
            int[] pos = java.util.stream.IntStream.range(0, positions).toArray();
            double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            double gamma0 = Double.NaN;
            for (int i = 0; i < warmup; i++) {
                gamma0 = ModelGap.run(backend, model, tokens, pos, null).gamma()[positions - 1];
            }
            double[] sec = new double[repetitions];
            double[] cpu = new double[repetitions];
            var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            for (int i = 0; i < repetitions; i++) {
                long c0 = os instanceof com.sun.management.OperatingSystemMXBean o ? o.getProcessCpuTime() : -1;
                long t0 = System.nanoTime();
                gamma0 = ModelGap.run(backend, model, tokens, pos, null).gamma()[positions - 1];
                sec[i] = (System.nanoTime() - t0) * 1e-9;
                cpu[i] = os instanceof com.sun.management.OperatingSystemMXBean o ? (o.getProcessCpuTime() - c0) * 1e-9 : Double.NaN;
            }
            double loadAfter = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            double[] sorted = sec.clone();
            java.util.Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            double gflop = 2.0 * cfg.vocab() * cfg.hidden() * ((double) positions * (cfg.totalHeads() + 2)) * 1e-9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shape", shape);
            m.put("backend", backend.name());
            m.put("device", backend.device());
            m.put("positions", positions);
            m.put("heads", cfg.totalHeads());
            m.put("vocab", cfg.vocab());
            m.put("seconds", sec);
            m.put("medianSeconds", median);
            m.put("minSeconds", sorted[0]);
            m.put("unembeddingGflop", gflop);
            m.put("gflopPerSecond", gflop / median);
            // CPU seconds the process used per call (all threads): on a shared machine, GFLOP per CPU-second
            // is the rate a core delivers while it runs this job, whatever the other load
            m.put("cpuSeconds", cpu);
            m.put("gflopPerCpuSecond", gflop / java.util.Arrays.stream(cpu).min().orElse(Double.NaN));
            m.put("gammaLastPosition", gamma0);
            m.put("loadAverageBefore", loadBefore);
            m.put("loadAverageAfter", loadAfter);
            if (common.json()) {
                print(Json.write(m) + "\n");
            } else {
                Table t = new Table("shape", "backend", "T", "H", "V", "median s", "min s", "GFLOP", "GFLOP/s", "GFLOP/cpu-s",
                        "load before/after");
                t.row(shape, backend.name(), positions, cfg.totalHeads(), cfg.vocab(), median, sorted[0], gflop, gflop / median,
                        m.get("gflopPerCpuSecond"), String.format("%.2f/%.2f", loadBefore, loadAfter));
                print(t);
            }
            return 0;
        }
    }
}
