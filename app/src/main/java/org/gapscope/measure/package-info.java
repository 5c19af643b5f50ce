/**
 * The measurement layer: turns a grid into points, runs each on a {@link org.gapscope.api.Backend},
 * and leaves a run directory behind. It generates inputs and records results; it never computes a
 * quantity from logits itself (that is the backends' job).
 *
 * <h2>Writing a measuring command (e.g. crowding, margin, positional)</h2>
 * <pre>{@code
 * try (StopSignal stop = StopSignal.install()) {                       // Ctrl-C: stop after the current point
 *     RunDirectory run = RunDirectory.open(out, "crowding", params, seeds, args, backend); // refuses foreign dirs
 *     try (PointLog log = run.points(keyColumns, columns)) {           // points.jsonl + points.csv, resumable
 *         RunLoop.Result r = RunLoop.run("crowding", log, grid,         // grid: one Map of key values per point
 *                 p -> resultsOf(p, backend), Progress.Mode.AUTO, stop);
 *         Plots.lineLogX(run.file("p-vs-N.png"), "title", "N", "P_N", series);
 *         run.finish(r.interrupted() ? "interrupted" : "complete", log.size());
 *     }
 *     // print the summary here, still inside the StopSignal block
 * }
 * }</pre>
 * <ul>
 *   <li>{@link org.gapscope.measure.RunDirectory}: output directory, manifest.json, identity check
 *       (command + parameters), atomic JSON writes, {@code timestamped(parent, prefix)} for defaults.</li>
 *   <li>{@link org.gapscope.measure.PointLog}: one durable line per point; keys skip finished points;
 *       a torn last line after a crash is dropped; {@code readRows}/{@code number} to read rows back.</li>
 *   <li>{@link org.gapscope.measure.RunLoop}: the skip / compute / append / progress / stop loop.</li>
 *   <li>{@link org.gapscope.measure.Progress}: bar with ETA on a terminal (stderr), plain lines, or off.</li>
 *   <li>{@link org.gapscope.measure.StopSignal}: Ctrl-C and SIGTERM finish the current point cleanly.</li>
 *   <li>{@link org.gapscope.measure.Plots}: XChart PNG line charts, log x axis, dashed reference curves.</li>
 *   <li>{@link org.gapscope.measure.Study}: the default study's steps ({@code gapscope study}).</li>
 *   <li>{@link org.gapscope.measure.GapSweep}, {@link org.gapscope.api.SweepLogits}: {@code sweep gap}.</li>
 * </ul>
 */
package org.gapscope.measure;
