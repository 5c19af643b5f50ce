package org.gapscope.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.gapscope.api.Backend;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.Progress;
import org.gapscope.measure.RunDirectory;
import org.gapscope.measure.StopSignal;
import org.gapscope.measure.Sweep;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The run options of the measuring commands {@code crowding}, {@code margin} and {@code positional} (a
 * picocli mixin: {@code --out}, {@code --progress}), and what every measuring command does around its
 * {@link Sweep}: name the run directory on stderr, run it under a {@link StopSignal}, and after Ctrl-C
 * say how far it got and how to resume, with exit code {@link #EXIT_STOPPED}.
 */
public final class RunOptions {
    /** The exit code of a run that Ctrl-C (or SIGTERM) stopped before its last point: 128 + SIGINT. */
    public static final int EXIT_STOPPED = 130;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run directory (data CSV + JSONL, manifest.json, PNG plots); an existing run directory of the same command and parameters is resumed. Default: results/<command>-<UTC timestamp>.")
    Path out;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (a bar on a terminal), lines or off; always on stderr. Default: ${DEFAULT-VALUE}.")
    String progress;

    Progress.Mode progressMode() {
        return progressMode(progress);
    }

    /** Parses a {@code --progress} value. */
    static Progress.Mode progressMode(String s) {
        return switch (s.toLowerCase()) {
            case "auto" -> Progress.Mode.AUTO;
            case "lines" -> Progress.Mode.LINES;
            case "off" -> Progress.Mode.OFF;
            default -> throw new org.gapscope.api.InputException("--progress: expected auto, lines or off, got " + s);
        };
    }

    /** {@code --out}, or a fresh {@code results/<command>-<UTC timestamp>}. */
    Path dir(String command) {
        return dir(out, command);
    }

    static Path dir(Path out, String command) {
        return out != null ? out : RunDirectory.timestamped(Path.of("results"), command.replace(' ', '-') + "-");
    }

    /** The arguments as given on the command line. */
    static List<String> args(CommandSpec spec) {
        return spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
    }

    /** Says where the run directory is, on stderr, whatever the progress mode. */
    static void announce(PrintWriter err, String command, RunDirectory run) {
        err.println(command + ": run directory " + run.dir() + (run.resumed() ? " (resumed)" : ""));
        err.flush();
    }

    /**
     * Runs {@code sweep} into {@code dir} (opened and announced first) and hands the outcome to
     * {@code print}, all under one {@link StopSignal}: Ctrl-C stops after the current point, and the
     * finished points are still written, plotted and printed. Returns the exit code: 0, or
     * {@link #EXIT_STOPPED} after the line "stopped after N of M points; run the same command with --out
     * DIR to resume" when the run stopped before its end.
     */
    static <P extends Sweep.Point> int run(Sweep<P> sweep, Path dir, Backend backend, CommandSpec spec,
                                           Progress.Mode mode, java.util.function.Consumer<Sweep.Outcome> print) {
        return run(sweep, dir, backend, null, spec, mode, print);
    }

    /**
     * As above, with the points computed on {@code cluster} when it is not null ({@code --spark}). Points
     * that failed on every attempt of the cluster were named one per line as they failed; then one line
     * says how many, and the exit code is 1 (the other points are in the run directory; the same command
     * retries the missing ones). With {@code --backend auto}, the executors choose their backends
     * ({@link Cluster#perExecutor}).
     */
    static <P extends Sweep.Point> int run(Sweep<P> sweep, Path dir, Backend backend, Cluster cluster, CommandSpec spec,
                                           Progress.Mode mode, java.util.function.Consumer<Sweep.Outcome> print) {
        PrintWriter err = spec.commandLine().getErr();
        if (cluster != null && Cluster.AUTO.equalsIgnoreCase(requestedBackend(spec))) {
            backend = Cluster.perExecutor(backend); // each executor resolves auto for itself
        }
        try (StopSignal stop = StopSignal.install()) {
            RunDirectory run = sweep.open(dir, backend, args(spec));
            announce(err, sweep.command(), run);
            Sweep.Outcome o = sweep.run(run, backend, cluster, mode, stop);
            int code = stopped(err, sweep.command(), o.rows().size(), o.gridPoints(), "points", run.dir(), o.interrupted());
            if (code == 0 && o.loop().failed() > 0) {
                err.println(sweep.command() + ": " + o.loop().failed() + " point(s) failed on every attempt (named above); "
                        + o.rows().size() + " of " + o.gridPoints() + " points are in " + run.dir()
                        + "; run the same command to compute the missing ones");
                err.flush();
                code = Main.EXIT_BUG;
            }
            print.accept(o);
            spec.commandLine().getOut().flush();
            return code;
        }
    }

    /** The {@code --backend} value as given (or its default), null for a command without the option. */
    static String requestedBackend(CommandSpec spec) {
        picocli.CommandLine.Model.OptionSpec o = spec.findOption("--backend");
        return o == null ? null : String.valueOf((Object) o.getValue());
    }

    /** After a stop before the end: the line saying how far the run got, and {@link #EXIT_STOPPED}; else 0. */
    static int stopped(PrintWriter err, String command, int done, int total, String what, Path dir, boolean interrupted) {
        if (!interrupted) {
            return 0;
        }
        err.println(command + ": stopped after " + done + " of " + total + " " + what
                + "; run the same command with --out " + dir + " to resume");
        err.flush();
        return EXIT_STOPPED;
    }
}
