package org.gapscope.measure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;

/**
 * A measurement over a grid of typed points ({@code sweep gap}, {@code crowding}, {@code margin},
 * {@code positional}): what a point is, which columns identify it, how one point is computed on a
 * backend, and which plots the rows make. {@link #run} does the rest the same way for every sweep: the
 * {@link RunDirectory} (identity, manifest), the {@link PointLog} (resume), the {@link RunLoop} (Ctrl-C,
 * progress weighted by {@link Point#size()}) and the plots. Commands only parse their options into a
 * sweep and print its {@link Outcome}.
 *
 * <pre>{@code
 * try (StopSignal stop = StopSignal.install()) {
 *     Sweep.Outcome o = new CrowdingSweep(...).run(dir, backend, args, Progress.Mode.AUTO, stop);
 *     // print o.rows(); o.interrupted() says whether Ctrl-C stopped it before its end
 * }
 * }</pre>
 *
 * @param <P> the point type
 */
public interface Sweep<P extends Sweep.Point> extends java.io.Serializable {

    /** One grid point (serializable, like the sweep, so that a {@link Cluster} can ship both to its executors). */
    interface Point extends java.io.Serializable {
        /**
         * The point's row prefix: its key columns (what identifies it in a resumed run) and any further
         * parameter columns that follow from them, in column order.
         */
        Map<String, Object> key();

        /** The point's work in the sweep's own unit (e.g. N x repetitions), for the ETA; 1 by default. */
        default double size() {
            return 1;
        }
    }

    /**
     * A sweep's table.
     *
     * @param command    the command name recorded in the manifest and printed in messages, e.g. {@code "sweep gap"}
     * @param keyColumns the columns that identify a point
     * @param columns    every column of a row, in CSV order (key columns included)
     */
    record Layout(String command, List<String> keyColumns, List<String> columns) {}

    /** The sweep's command and columns. */
    Layout layout();

    /** The command name, from {@link #layout()}. */
    default String command() {
        return layout().command();
    }

    /** The key columns, from {@link #layout()}. */
    default List<String> keyColumns() {
        return layout().keyColumns();
    }

    /** Every column, from {@link #layout()}. */
    default List<String> columns() {
        return layout().columns();
    }

    /** The grid's points, in the order they are computed. */
    List<P> points();

    /** The run's identity: everything that changes the values (see {@link RunDirectory}), the backend's name included. */
    Map<String, Object> parameters(String backend);

    /** The seeds the run uses (for the manifest). */
    List<?> seeds();

    /** One point's result columns on {@code backend}. */
    Map<String, Object> compute(P point, Backend backend);

    /**
     * One point's result columns, with progress inside the point where the sweep has any (a crowding
     * point of large N reports its repetitions); by default {@link #compute(Point, Backend)}.
     */
    default Map<String, Object> compute(P point, Backend backend, Progress.Mode progress) {
        return compute(point, backend);
    }

    /**
     * How many consecutive points one backend call and one fsync of the point files cover (positional
     * scans of 10^6 distances write in batches); 1 by default.
     */
    default int pointsPerBatch() {
        return 1;
    }

    /** The result columns of consecutive points, one map per point, in order; by default one {@link #compute} each. */
    default List<Map<String, Object>> computeBatch(List<P> points, Backend backend, Progress.Mode progress) {
        List<Map<String, Object>> out = new ArrayList<>(points.size());
        for (P p : points) {
            out.add(compute(p, backend, progress));
        }
        return out;
    }

    /** Refuses, before anything is written, a grid that cannot run (e.g. a point larger than the heap). */
    default void check() {}

    /** Writes the plots from the recorded rows (grid order) and returns their file names in the run directory. */
    List<String> plots(RunDirectory run, List<Map<String, Object>> rows);

    /** Called after the plots with every row, to add summary entries to the manifest ({@link RunDirectory#put}). */
    default void summarize(RunDirectory run, List<Map<String, Object>> rows) {}

    /**
     * What a run left behind.
     *
     * @param run        the run directory
     * @param rows       the recorded rows of the grid's points, in grid order (points not computed left out)
     * @param loop       computed / skipped / interrupted
     * @param plots      the plot files written (names in the directory)
     * @param gridPoints the number of points in the grid
     */
    record Outcome(RunDirectory run, List<Map<String, Object>> rows, RunLoop.Result loop, List<String> plots,
                   int gridPoints) {
        /** Whether Ctrl-C stopped the run before its last point. */
        public boolean interrupted() {
            return loop.interrupted();
        }
    }

    /**
     * Runs (or resumes) the sweep into {@code dir}: {@link #open}, then {@link #run(RunDirectory, Backend,
     * Progress.Mode, StopSignal)}.
     */
    default Outcome run(Path dir, Backend backend, List<String> commandLine, Progress.Mode progress, StopSignal stop) {
        return run(open(dir, backend, commandLine), backend, progress, stop);
    }

    /**
     * {@link #check()}, then opens (or reopens, for a resume) the run directory with the sweep's command,
     * identity parameters and seeds; refuses a directory of another command or other parameters.
     */
    default RunDirectory open(Path dir, Backend backend, List<String> commandLine) {
        check();
        return RunDirectory.open(dir, command(), parameters(backend.name()), seeds(), commandLine, backend);
    }

    /**
     * Computes the points missing from {@code run}, writes the plots and finishes the manifest
     * ({@code complete}, {@code interrupted}, or {@code failed} when a point throws). {@code stop} is the
     * caller's {@link StopSignal}: keep it installed until everything is printed, so that Ctrl-C waits
     * for the manifest and the plots.
     */
    default Outcome run(RunDirectory run, Backend backend, Progress.Mode progress, StopSignal stop) {
        return run(run, backend, null, progress, stop);
    }

    /**
     * As {@link #run(RunDirectory, Backend, Progress.Mode, StopSignal)}, with the points computed on
     * {@code cluster} when it is not null: each executor computes its points on the backend of the same
     * name ({@link Cluster#backend}), and this JVM appends them as they arrive. The manifest records the
     * cluster but the run's identity does not include it (the points are the same bits), so a run started
     * on one machine can be resumed on a cluster and the other way round. A point that failed on every
     * attempt is left out and the manifest says {@code failed}. With {@code backend} {@link Cluster#perExecutor}
     * ({@code --backend auto}), each executor chooses its own backend and the rows get the column
     * {@link Cluster#BACKEND_COLUMN}.
     */
    default Outcome run(RunDirectory run, Backend backend, Cluster cluster, Progress.Mode progress, StopSignal stop) {
        List<P> points = points();
        run.put("gridPoints", points.size());
        if (cluster != null) {
            run.put("cluster", cluster.describe());
        }
        boolean perExecutor = cluster != null && Cluster.AUTO.equals(backend.name());
        List<String> columns = columns();
        if (perExecutor) { // each point names the backend its executor chose
            columns = new ArrayList<>(columns);
            columns.add(Cluster.BACKEND_COLUMN);
        }
        try (PointLog log = run.points(keyColumns(), columns)) {
            List<String> keys = points.stream().map(p -> log.key(p.key())).toList();
            RunLoop.Result r;
            try {
                r = cluster == null ? RunLoop.run(this, log, points, keys, backend, progress, stop)
                        : RunLoop.run(this, log, points, cluster, backend.name(), progress, stop);
            } catch (RuntimeException e) {
                run.finish("failed", log.size());
                throw e;
            }
            List<Map<String, Object>> rows = new ArrayList<>(points.size());
            for (String k : keys) {
                Map<String, Object> row = log.getByKey(k);
                if (row != null) {
                    rows.add(Collections.unmodifiableMap(row));
                }
            }
            List<String> files = rows.isEmpty() ? List.of() : plots(run, rows);
            run.put("plots", files);
            summarize(run, rows);
            run.finish(r.interrupted() ? "interrupted" : r.failed() > 0 ? "failed" : "complete", log.size());
            return new Outcome(run, rows, r, files, points.size());
        }
    }
}
