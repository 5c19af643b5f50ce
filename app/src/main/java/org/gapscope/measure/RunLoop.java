package org.gapscope.measure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The loop every measuring command runs: for each grid point not yet in the {@link PointLog}, compute
 * its results, append parameters + results as one row, step the {@link Progress}; stop cleanly between
 * points when a {@link StopSignal} is raised (Ctrl-C).
 *
 * <pre>{@code
 * List<Map<String, Object>> grid = ...;            // one map of key-column values per point
 * RunLoop.Result r = RunLoop.run("sweep gap", log, grid,
 *         p -> Map.of("gamma", gammaOf(p)),        // results only; parameters are copied in
 *         Progress.Mode.AUTO);
 * }</pre>
 */
public final class RunLoop {
    private RunLoop() {}

    /**
     * @param computed    points computed in this run
     * @param skipped     points already in the log (resumed)
     * @param interrupted whether a stop was requested before the grid was done
     * @param failed      points that failed on every attempt of a {@link Cluster} (never set by a local run)
     */
    public record Result(int computed, int skipped, boolean interrupted, int failed) {
        public Result(int computed, int skipped, boolean interrupted) {
            this(computed, skipped, interrupted, 0);
        }
    }

    /**
     * Runs the grid with its own Ctrl-C handling (a shutdown hook released when this returns). When the
     * command writes more files after the loop (plots, manifest), install a {@link StopSignal} around all
     * of it instead and use the other overload: once the hook is released a pending Ctrl-C exits the JVM.
     */
    public static Result run(String label, PointLog log, List<? extends Map<String, ?>> grid,
                             Function<Map<String, ?>, Map<String, ?>> compute, Progress.Mode progress) {
        try (StopSignal stop = StopSignal.install()) {
            return run(label, log, grid, compute, progress, stop);
        }
    }

    /** Runs the grid; {@code stop} is checked before each point. */
    public static Result run(String label, PointLog log, List<? extends Map<String, ?>> grid,
                             Function<Map<String, ?>, Map<String, ?>> compute, Progress.Mode progress,
                             StopSignal stop) {
        int skipped = 0;
        for (Map<String, ?> p : grid) {
            if (log.done(p)) {
                skipped++;
            }
        }
        int computed = 0;
        boolean interrupted = false;
        try (Progress bar = Progress.start(label, grid.size(), skipped, progress)) {
            for (Map<String, ?> p : grid) {
                if (log.done(p)) {
                    continue;
                }
                if (stop.requested()) {
                    interrupted = true;
                    break;
                }
                Map<String, Object> row = new LinkedHashMap<>(p);
                row.putAll(compute.apply(p));
                log.append(row);
                computed++;
                bar.step();
            }
        }
        return new Result(computed, skipped, interrupted);
    }

    /**
     * Runs the grid's missing points on {@code cluster} (see {@link Cluster}); each finished point is
     * appended to the log as it arrives. A point that fails on every attempt gets one line on stderr naming
     * it and is left out (the others still land); when a failure is an input problem (e.g. an executor
     * without the requested backend), the first such message is thrown as an {@link InputException} after
     * every other point has landed.
     */
    public static Result run(String label, PointLog log, List<? extends Map<String, ?>> grid, Cluster cluster,
                             PointTask task, Progress.Mode progress, StopSignal stop) {
        List<Map<String, ?>> todo = new java.util.ArrayList<>();
        for (Map<String, ?> p : grid) {
            if (!log.done(p)) {
                todo.add(p);
            }
        }
        int skipped = grid.size() - todo.size();
        int[] computed = {0};
        int[] failed = {0};
        String[] inputProblem = {null};
        boolean interrupted;
        try (Progress bar = Progress.start(label, grid.size(), skipped, progress)) {
            interrupted = cluster.run(label, todo, task, new Cluster.Sink() {
                @Override
                public void done(Map<String, ?> key, Map<String, ?> results) {
                    Map<String, Object> row = new LinkedHashMap<>(key);
                    row.putAll(results);
                    log.append(row);
                    computed[0]++;
                    bar.step();
                }

                @Override
                public void failed(Map<String, ?> key, String message, boolean input) {
                    failed[0]++;
                    if (input) {
                        if (inputProblem[0] == null) {
                            inputProblem[0] = message;
                        }
                        return;
                    }
                    System.err.println(label + ": point " + key + " failed on every attempt: " + message);
                }
            }, stop);
        }
        if (inputProblem[0] != null) {
            throw new org.gapscope.api.InputException(inputProblem[0]);
        }
        return new Result(computed[0], skipped, interrupted, failed[0]);
    }
}
