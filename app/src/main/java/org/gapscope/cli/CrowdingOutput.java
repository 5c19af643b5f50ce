package org.gapscope.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.measure.Plots;
import org.gapscope.measure.PointLog;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Output options of {@code crowding}, {@code margin} and {@code positional} (a picocli mixin): the run
 * directory (through the measurement layer's {@link RunDirectory}) and the progress mode.
 */
public final class CrowdingOutput {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run directory (data CSV + JSONL, manifest.json, PNG plots); an existing run directory of the same command and parameters is resumed. Default: results/<command>-<UTC timestamp>.")
    Path out;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (a bar on a terminal), lines or off; always on stderr. Default: ${DEFAULT-VALUE}.")
    String progress;

    Progress.Mode progressMode() {
        return switch (progress.toLowerCase()) {
            case "auto" -> Progress.Mode.AUTO;
            case "lines" -> Progress.Mode.LINES;
            case "off" -> Progress.Mode.OFF;
            default -> throw new org.gapscope.api.InputException("--progress: expected auto, lines or off, got " + progress);
        };
    }

    /** Opens (or resumes) the run directory and says where it is on stderr. */
    RunDirectory open(String command, Map<String, ?> parameters, List<?> seeds, CommandSpec spec, Backend backend) {
        Progress.Mode mode = progressMode();
        Path dir = out;
        if (dir == null) {
            Path base = Path.of("results");
            String stamp = STAMP.format(Instant.now());
            dir = base.resolve(command + "-" + stamp);
            for (int i = 2; java.nio.file.Files.exists(dir); i++) {
                dir = base.resolve(command + "-" + stamp + "-" + i);
            }
        }
        List<String> args = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        RunDirectory run = RunDirectory.open(dir, command, parameters, seeds, args, backend);
        if (mode != Progress.Mode.OFF || run.resumed()) {
            spec.commandLine().getErr().println(command + ": run directory " + dir
                    + (run.resumed() ? " (resumed)" : ""));
            spec.commandLine().getErr().flush();
        }
        return run;
    }

    /** The recorded rows of the grid's points, in grid order (points not computed are left out). */
    static List<Map<String, Object>> rowsInGridOrder(PointLog log, List<? extends Map<String, ?>> grid) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, ?> p : grid) {
            Map<String, Object> r = log.get(p);
            if (r != null) {
                rows.add(new LinkedHashMap<>(r));
            }
        }
        return rows;
    }

    /**
     * The JSON printed on stdout by {@code crowding} and {@code margin}: backend, device, seed, reps, run
     * directory, {@code interrupted} when Ctrl-C stopped the run, and the points.
     */
    static Map<String, Object> summary(Backend backend, CrowdingOptions options, RunDirectory run, boolean interrupted,
                                       List<Map<String, Object>> points) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("backend", backend.name());
        top.put("device", backend.device());
        top.put("seed", options.seed);
        top.put("reps", options.reps);
        top.put("runDirectory", run.dir().toString());
        if (interrupted) {
            top.put("interrupted", true);
        }
        top.put("points", points);
        return top;
    }

    /**
     * Adds one curve's two series to {@code series}: the rows sorted by N, x from column {@code xKey},
     * the simulated column as markers and the closed-form column dashed.
     */
    static void addCurvePair(List<Plots.Series> series, String name, List<Map<String, Object>> curve, String xKey,
                             String markersLabel, String markersKey, String dashedLabel, String dashedKey) {
        List<Map<String, Object>> rows = new ArrayList<>(curve);
        rows.sort(java.util.Comparator.comparingDouble(r -> PointLog.number(r, "n")));
        double[] x = rows.stream().mapToDouble(r -> PointLog.number(r, xKey)).toArray();
        series.add(new Plots.Series(markersLabel + ", " + name, x,
                rows.stream().mapToDouble(r -> PointLog.number(r, markersKey)).toArray(), false));
        series.add(new Plots.Series(dashedLabel + ", " + name, x,
                rows.stream().mapToDouble(r -> PointLog.number(r, dashedKey)).toArray(), true));
    }

    /** A file-name-safe form of a label. */
    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9.+-]+", "_").replaceAll("_+$", "");
    }
}
