package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.GapSweep;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.Sweep;
import org.gapscope.api.SweepLaw;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sweep", mixinStandardHelpOptions = true, description = "Long, resumable measurements over a grid (subcommand: gap).",
        subcommands = {SweepCommand.Gap.class})
public final class SweepCommand extends GroupCommand {

    @Command(name = "gap", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Jensen gap and the mixture's score gaps over a grid of generated logits.",
                "Gamma (docs/MATH.md section 3) and the Theorem 4 gaps of the equal-weight mixture (section 4)"
                    + " over a grid of V, H, tokens, logit laws, sigma, margin, rho, temperature and seeds. Logits"
                    + " come from the counter-based generator (Philox, section 9), so each point is reproducible"
                    + " from its seed.",
                "Writes points.csv, points.jsonl, manifest.json and PNG plots to --out; re-running the same"
                    + " command on the same directory skips finished points (resume after Ctrl-C or a crash)."})
    public static final class Gap extends BaseCommand {
        @Mixin
        ClusterOption cluster;

        @Option(names = "--vocab", split = ",", paramLabel = "V", defaultValue = "256,1024,4096,16384,65536",
                description = "Vocabulary sizes. Default: ${DEFAULT-VALUE}.")
        List<Integer> vocab;

        @Option(names = "--heads", split = ",", paramLabel = "H", defaultValue = "1,2,8,32",
                description = "Head counts. Default: ${DEFAULT-VALUE}.")
        List<Integer> heads;

        @Option(names = "--tokens", split = ",", paramLabel = "B", defaultValue = "8",
                description = "Tokens per point (results are means over them). Default: ${DEFAULT-VALUE}.")
        List<Integer> tokens;

        @Option(names = "--law", split = ",", paramLabel = "LAW", defaultValue = "gaussian",
                description = "Logit laws: ${COMPLETION-CANDIDATES} (see sweep docs). Default: ${DEFAULT-VALUE}.")
        List<SweepLaw> laws;

        @Option(names = "--sigma", split = ",", paramLabel = "S", defaultValue = "1",
                description = "Standard deviation of the logits' noise. Default: ${DEFAULT-VALUE}.")
        List<Double> sigma;

        @Option(names = "--margin", split = ",", paramLabel = "A", defaultValue = "4",
                description = "Margin a of peaked heads (laws agree, disagree). Default: ${DEFAULT-VALUE}.")
        List<Double> margin;

        @Option(names = "--rho", split = ",", paramLabel = "R", defaultValue = "0.5",
                description = "Correlation between heads (law correlated), in [0, 1]. Default: ${DEFAULT-VALUE}.")
        List<Double> rho;

        @Option(names = "--temperature", split = ",", paramLabel = "T", defaultValue = "1",
                description = "Temperature: logits are divided by T. Default: ${DEFAULT-VALUE}.")
        List<Double> temperature;

        @Option(names = "--seed", split = ",", paramLabel = "SEED", defaultValue = "1",
                description = "Seeds of the counter-based generator. Default: ${DEFAULT-VALUE}.")
        List<Long> seeds;

        @Option(names = "--scores", split = ",", paramLabel = "S", defaultValue = "log,brier",
                description = "Theorem 4 gaps to compute: log,brier, or log alone (brierGap then null: the Brier gap's"
                        + " work is skipped, the heads' pair states on cpu up to 128 heads, else a second pass over the"
                        + " draws, about half of a point's time). Default: ${DEFAULT-VALUE}.")
        List<String> scores;

        @Mixin
        RunOptions output;

        @Override
        public Integer call() {
            Backend backend = common.selectBackend();
            GapSweep.Grid grid = new GapSweep.Grid(vocab, heads, tokens, laws, sigma, margin, rho, temperature, seeds,
                    GapSweep.brier(scores));
            try (Cluster c = cluster.open("sweep gap", output.out)) {
                return RunOptions.run(grid, output.dir("sweep gap"), backend, c, spec, output.progressMode(), o ->
                        print(common.json() ? json(o, backend) : table(o, backend)));
            }
        }

        static String json(Sweep.Outcome o, Backend backend) {
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("out", o.run().dir().toString());
            top.put("backend", backend.name());
            top.put("device", backend.device());
            top.put("computed", o.loop().computed());
            top.put("skipped", o.loop().skipped());
            top.put("interrupted", o.loop().interrupted());
            top.put("files", files(o));
            top.put("points", Json.rows(o.rows()));
            return Json.write(top) + "\n";
        }

        static List<String> files(Sweep.Outcome o) {
            List<String> f = new ArrayList<>(List.of(PointLog.CSV, PointLog.JSONL, RunDirectory.MANIFEST));
            f.addAll(o.plots());
            return f.stream().map(n -> o.run().file(n).toString()).toList();
        }

        static String table(Sweep.Outcome o, Backend backend) {
            Table t = new Table("law", "V", "H", "B", "sigma", "T", "seed", "gamma", "(H-1) ln V", "ratio", "gammaJ",
                    "logGap", "brierGap");
            for (Map<String, Object> r : o.rows()) {
                t.row(r.get("law"), r.get("V"), r.get("H"), r.get("tokens"), r.get("sigma"), r.get("T"), r.get("seed"),
                        PointLog.number(r, "gamma"), PointLog.number(r, "bound"), PointLog.number(r, "gammaRatio"),
                        PointLog.number(r, "gammaJ"), PointLog.number(r, "logGap"), PointLog.number(r, "brierGap"));
            }
            StringBuilder sb = new StringBuilder();
            sb.append("sweep gap on ").append(backend.name()).append(" (").append(backend.device()).append("): ")
                    .append(o.loop().computed()).append(" computed, ").append(o.loop().skipped()).append(" resumed")
                    .append(o.loop().interrupted() ? ", interrupted" : "").append('\n');
            sb.append(t);
            sb.append("files:\n");
            for (String f : files(o)) {
                sb.append("  ").append(f).append('\n');
            }
            return sb.toString();
        }
    }
}
