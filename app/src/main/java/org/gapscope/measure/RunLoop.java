package org.gapscope.measure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gapscope.api.Backend;

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
     * @param failed      points that failed on every attempt of a {@link Cluster} (a local run throws instead)
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
     * Runs a {@link Sweep}'s points: those not yet in the log, in grid order, {@link Sweep#pointsPerBatch()} at a
     * time (one {@link Sweep#computeBatch} and one {@link PointLog#appendAll} per batch of consecutive
     * missing points); {@code stop} is checked before each batch. Progress and its ETA are weighted by
     * {@link Sweep.Point#size()}.
     */
    public static <P extends Sweep.Point> Result run(Sweep<P> sweep, PointLog log, List<P> points, Backend backend,
                                                     Progress.Mode progress, StopSignal stop) {
        return run(sweep, log, points, points.stream().map(p -> log.key(p.key())).toList(), backend, progress, stop);
    }

    /** As above, with the points' {@link PointLog#key}s computed by the caller (once per point for a whole run). */
    static <P extends Sweep.Point> Result run(Sweep<P> sweep, PointLog log, List<P> points, List<String> keys,
                                              Backend backend, Progress.Mode progress, StopSignal stop) {
        boolean[] done = new boolean[points.size()];
        int skipped = 0;
        double total = 0;
        double doneWeight = 0;
        for (int i = 0; i < points.size(); i++) {
            double w = points.get(i).size();
            total += w;
            if (log.doneKey(keys.get(i))) {
                done[i] = true;
                skipped++;
                doneWeight += w;
            }
        }
        int batch = Math.max(1, sweep.pointsPerBatch());
        int computed = 0;
        boolean interrupted = false;
        try (Progress bar = Progress.start(sweep.command(), points.size(), skipped, total, doneWeight, progress)) {
            int i = 0;
            while (i < points.size()) {
                if (done[i]) {
                    i++;
                    continue;
                }
                if (stop.requested()) {
                    interrupted = true;
                    break;
                }
                List<P> chunk = new ArrayList<>();
                double weight = 0;
                while (i < points.size() && !done[i] && chunk.size() < batch) {
                    chunk.add(points.get(i));
                    weight += points.get(i).size();
                    i++;
                }
                List<Map<String, Object>> results = sweep.computeBatch(chunk, backend, progress);
                List<Map<String, Object>> rows = new ArrayList<>(chunk.size());
                for (int k = 0; k < chunk.size(); k++) {
                    Map<String, Object> row = new LinkedHashMap<>(chunk.get(k).key());
                    row.putAll(results.get(k));
                    rows.add(row);
                }
                log.appendAll(rows);
                computed += chunk.size();
                bar.step(chunk.size(), weight);
            }
        }
        return new Result(computed, skipped, interrupted);
    }

    /**
     * Runs a {@link Sweep}'s missing points on {@code cluster} (see {@link Cluster}); each finished point
     * is appended to the log as it arrives. A point that fails on every attempt gets one line on stderr
     * naming it and is left out (the others still land; {@link Result#failed()} counts it); when a failure
     * is an input problem (e.g. an executor without the requested backend), the first such message is
     * thrown as an {@link org.gapscope.api.InputException} after every other point has landed.
     */
    public static <P extends Sweep.Point> Result run(Sweep<P> sweep, PointLog log, List<P> points, Cluster cluster,
                                                     String backendName, Progress.Mode progress, StopSignal stop) {
        List<P> todo = new ArrayList<>();
        double total = 0;
        double doneWeight = 0;
        for (P p : points) {
            total += p.size();
            if (log.done(p.key())) {
                doneWeight += p.size();
            } else {
                todo.add(p);
            }
        }
        int skipped = points.size() - todo.size();
        int[] computed = {0};
        int[] failed = {0};
        String[] inputProblem = {null};
        boolean interrupted;
        String label = sweep.command();
        try (Progress bar = Progress.start(label, points.size(), skipped, total, doneWeight, progress)) {
            interrupted = cluster.run(sweep, todo, backendName, new Cluster.Sink<P>() {
                @Override
                public void done(P point, Map<String, Object> results) {
                    Map<String, Object> row = new LinkedHashMap<>(point.key());
                    row.putAll(results);
                    log.append(row);
                    computed[0]++;
                    bar.step(1, point.size());
                }

                @Override
                public void failed(P point, String message, boolean input) {
                    failed[0]++;
                    if (input) {
                        if (inputProblem[0] == null) {
                            inputProblem[0] = message;
                        }
                        return;
                    }
                    System.err.println(label + ": point " + point.key() + " failed on every attempt: " + message);
                    System.err.flush();
                }
            }, stop);
        }
        if (inputProblem[0] != null) {
            throw new org.gapscope.api.InputException(inputProblem[0]);
        }
        return new Result(computed[0], skipped, interrupted, failed[0]);
    }
}
