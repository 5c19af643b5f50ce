package org.gapscope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.SweepLaw;
import org.gapscope.example.MicroTransformer;
import org.gapscope.measure.GapSweep;
import org.gapscope.measure.JsonValues;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.RunLoop;
import org.gapscope.measure.StopSignal;
import org.gapscope.measure.Study;
import org.gapscope.measure.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "study", mixinStandardHelpOptions = true,
        description = {"The default study: micro-transformer, Jensen-gap sweep and crowding curve.",
            "Three steps on the best available backend (under two minutes on a 2-core laptop): the"
                + " micro-transformer of P1 section 7, a small Jensen-gap sweep (Gamma against V for H = 1, 2, 8,"
                + " 32) and a small softmax-crowding curve (P_N against N = 10 .. 10^6 with plain and scalable"
                + " softmax), each into its own directory under results/<UTC timestamp>/ with data (CSV +"
                + " JSONL), manifest and plots. Prints a summary table; re-running with the same --out resumes."})
public final class StudyCommand extends BaseCommand {
    @Option(names = "--out", paramLabel = "DIR", description = "Study directory. Default: results/<UTC timestamp>.")
    Path out;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (a bar on a terminal), lines or off. Default: ${DEFAULT-VALUE}.")
    String progress;

    @Option(names = "--small", description = "A smaller Gamma sweep (V <= 262144, H <= 32), for slow or busy machines and the tests.")
    boolean small;

    /**
     * The study's steps, in order. STUDY STEPS: add further steps here (after the sweep); each must take seconds, not minutes, on a 2-core laptop.
     */
    static List<Study.Step> steps() {
        return steps(false);
    }

    static List<Study.Step> steps(boolean small) {
        List<Study.Step> steps = new ArrayList<>();
        steps.add(new MicroStep());
        steps.add(new GapSweepStep(small));
        steps.add(new CrowdingStudyStep());
        return steps;
    }

    @Override
    public Integer call() {
        Backend backend = common.selectBackend();
        Path dir = out != null ? out : RunDirectory.timestamped(Path.of("results"));
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        long t0 = System.nanoTime();
        Progress.Mode mode = RunOptions.progressMode(progress);
        try (StopSignal stop = StopSignal.install()) {
            List<Study.Step> steps = steps(small);
            List<Study.Summary> s = Study.run(dir, steps, backend, args, mode, stop);
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean interrupted = s.size() < steps.size() || s.stream().anyMatch(Study.Summary::interrupted);
            int finished = (int) s.stream().filter(x -> !x.interrupted()).count();
            int code = RunOptions.stopped(spec.commandLine().getErr(), "study", finished, steps.size(), "steps", dir,
                    interrupted);
            print(common.json() ? json(dir, backend, s, seconds) : table(dir, backend, s, seconds));
            spec.commandLine().getOut().flush();
            return code;
        }
    }

    /**
     * The summary for a terminal: at most {@link Main#USAGE_WIDTH} columns (the directory's path aside),
     * one row per step with its headline result wrapped under the result column. What each step ran and
     * every file it wrote are in summary.json and the step directories.
     */
    static String table(Path dir, Backend backend, List<Study.Summary> steps, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("gapscope study on ").append(backend.name()).append(" (").append(backend.device()).append("), ")
                .append(String.format("%.1f s", seconds)).append('\n');
        sb.append("written to ").append(dir).append('\n');
        int first = "step".length();
        for (Study.Summary s : steps) {
            first = Math.max(first, label(s).length());
        }
        String indent = " ".repeat(first + 2);
        sb.append(pad("step", first)).append("  result\n");
        for (Study.Summary s : steps) {
            List<String> lines = wrap(s.result(), Main.USAGE_WIDTH - indent.length());
            for (int i = 0; i < lines.size(); i++) {
                sb.append(i == 0 ? pad(label(s), first) + "  " : indent).append(lines.get(i)).append('\n');
            }
        }
        sb.append("details: summary.json and each step's directory (");
        for (int i = 0; i < steps.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(steps.get(i).step()).append('/');
        }
        sb.append(") under the path above\n");
        return sb.toString();
    }

    private static String label(Study.Summary s) {
        return s.step() + (s.interrupted() ? " (interrupted)" : "");
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** Greedy word wrap at {@code width} columns (a word longer than that gets a line of its own). */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        if (!line.isEmpty()) {
            out.add(line.toString());
        }
        return out;
    }

    static String json(Path dir, Backend backend, List<Study.Summary> steps, double seconds) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("out", dir.toString());
        top.put("backend", backend.name());
        top.put("device", backend.device());
        top.put("seconds", seconds);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Study.Summary s : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s.step());
            m.put("what", s.what());
            m.put("result", s.result());
            m.put("interrupted", s.interrupted());
            m.put("files", s.files().stream().map(Path::toString).toList());
            list.add(m);
        }
        top.put("steps", list);
        return Json.write(top) + "\n";
    }

    /** P1's micro-transformer: every printed number next to the computed one, as data. */
    static final class MicroStep implements Study.Step {
        static final List<String> KEYS = List.of("quantity", "where");
        static final List<String> COLUMNS = List.of("quantity", "where", "printed", "decimals", "computed", "difference",
                "status", "note");

        @Override
        public String name() {
            return "micro";
        }

        @Override
        public Study.Summary run(Study.Context ctx) {
            Backend b = ctx.backend();
            RunDirectory run = RunDirectory.open(ctx.dir(), "example micro", Map.of("backend", b.name()), List.of(),
                    ctx.commandLine(), b);
            MicroTransformer.Result r = MicroTransformer.run(b);
            List<Map<String, Object>> grid = new ArrayList<>();
            Map<String, MicroTransformer.Check> byKey = new LinkedHashMap<>();
            for (MicroTransformer.Check c : r.checks()) {
                Map<String, Object> k = new LinkedHashMap<>();
                k.put("quantity", c.quantity());
                k.put("where", c.where());
                grid.add(k);
                byKey.put(c.quantity() + "\u0000" + c.where(), c);
            }
            int reproduced;
            try (PointLog log = run.points(KEYS, COLUMNS)) {
                RunLoop.run("micro", log, grid, k -> {
                    MicroTransformer.Check c = byKey.get(k.get("quantity") + "\u0000" + k.get("where"));
                    return JsonValues.object("printed", c.printed(), "decimals", c.decimals(), "computed",
                            c.computed(), "difference", c.difference(), "status", c.status().name().toLowerCase(),
                            "note", c.note());
                }, org.gapscope.measure.Progress.Mode.OFF, ctx.stop());
                reproduced = (int) log.rows().stream().filter(m -> "reproduced".equals(m.get("status"))).count();
            }
            Path full = run.file("micro.json");
            try {
                RunDirectory.writeAtomically(full, ExampleCommand.Micro.json(r, b).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new InputException(full + ": cannot write: " + e.getMessage(), e);
            }
            run.finish("complete", r.checks().size());
            return new Study.Summary(name(), "P1 section 7 micro-transformer, printed numbers vs computed",
                    reproduced + " of " + r.checks().size() + " printed numbers reproduced; Gamma (Theorem 5) = "
                            + Table.fmt(r.endToEnd().gammaTheorem5()),
                    List.of(run.file(PointLog.CSV), run.file(PointLog.JSONL), full, run.file(RunDirectory.MANIFEST)), false);
        }
    }

    /** A small Gamma sweep: V = 256 .. 262144, H = 1, 2, 8, 32, i.i.d. Gaussian logits, 4 tokens, 2 seeds. */
    static final class GapSweepStep implements Study.Step {
        final boolean small;

        GapSweepStep(boolean small) {
            this.small = small;
        }

        /**
         * V = 4^4 .. 4^11 (256 .. 4194304), H = 1, 2, 8, 32, 128, 512, one token, seeds 1, 2: 7.6 G logits,
         * drawn inside the kernels (about a minute at the cpu backend's speed on 2 cores); small: V up to
         * 262144, H up to 32, 4 tokens (the study before the fused op).
         */
        GapSweep.Grid grid() {
            if (small) {
                return new GapSweep.Grid(List.of(256, 1024, 4096, 16384, 65536, 262144), List.of(1, 2, 8, 32), List.of(4),
                        List.of(SweepLaw.gaussian), List.of(1.0), List.of(4.0), List.of(0.5), List.of(1.0),
                        List.of(1L, 2L));
            }
            return new GapSweep.Grid(List.of(256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 1 << 22),
                    List.of(1, 2, 8, 32, 128, 512), List.of(1), List.of(SweepLaw.gaussian), List.of(1.0), List.of(4.0),
                    List.of(0.5), List.of(1.0), List.of(1L, 2L));
        }

        @Override
        public String name() {
            return "sweep-gap";
        }

        @Override
        public Study.Summary run(Study.Context ctx) {
            Sweep.Outcome o = GapSweep.run(ctx.dir(), grid(), ctx.backend(), ctx.commandLine(), ctx.progress(), ctx.stop());
            double worst = 0;
            double at32 = Double.NaN;
            for (Map<String, Object> r : o.rows()) {
                double ratio = PointLog.number(r, "gammaRatio");
                if (Double.isFinite(ratio)) {
                    worst = Math.max(worst, Math.abs(ratio - 1));
                }
                if (PointLog.number(r, "H") == 32 && PointLog.number(r, "V") == 262144) {
                    at32 = PointLog.number(r, "gamma");
                }
            }
            List<Path> files = new ArrayList<>(List.of(o.run().file(PointLog.CSV), o.run().file(PointLog.JSONL)));
            o.plots().forEach(p -> files.add(o.run().file(p)));
            files.add(o.run().file(RunDirectory.MANIFEST));
            return new Study.Summary(name(), o.rows().size() + (small ? " points: Gamma vs V (256..262144) for H = 1, 2, 8, 32"
                    : " points: Gamma vs V (256..4194304) for H = 1, 2, 8, 32, 128, 512"),
                    String.format("Gamma/((H-1) ln V) within %.1f%% of 1; Gamma(H=32, V=262144) = %s", 100 * worst, Table.fmt(at32)),
                    files, o.loop().interrupted());
        }
    }
}
