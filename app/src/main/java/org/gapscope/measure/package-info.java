/**
 * The measurement layer: turns a grid into points, runs each on a {@link org.gapscope.api.Backend},
 * and leaves a run directory behind. It generates inputs and records results; it never computes a
 * quantity from logits itself (that is the backends' job).
 *
 * <h2>Writing a measuring command</h2>
 * A measurement is a typed {@link org.gapscope.measure.Sweep}: its points (records with a key map and a
 * size), its columns, how one point (or a batch of points) is computed on a backend, and its plots.
 * {@link org.gapscope.measure.Sweep#run} does the rest for every sweep alike; the command parses options
 * into the sweep and prints the outcome:
 * <pre>{@code
 * try (StopSignal stop = StopSignal.install()) {                     // Ctrl-C: stop after the current point
 *     Sweep.Outcome o = new CrowdingSweep(laws, s, false, ns, mitigations, reps, seed, 256)
 *             .run(dir, backend, args, Progress.Mode.AUTO, stop);    // run directory, points, plots, manifest
 *     // print o.rows() here, still inside the StopSignal block; o.interrupted(): stopped before the end
 * }
 * }</pre>
 * <ul>
 *   <li>{@link org.gapscope.measure.RunDirectory}: output directory, manifest.json, identity check
 *       (command + parameters), atomic JSON writes, {@code timestamped(parent, prefix)} for defaults.</li>
 *   <li>{@link org.gapscope.measure.PointLog}: one durable line per point; keys skip finished points;
 *       a torn last line after a crash is dropped; {@code readRows}/{@code number} to read rows back.</li>
 *   <li>{@link org.gapscope.measure.RunLoop}: the skip / compute / append / progress / stop loop, in batches.</li>
 *   <li>{@link org.gapscope.measure.Progress}: bar with an ETA weighted by point size on a terminal (stderr),
 *       plain lines, or off.</li>
 *   <li>{@link org.gapscope.measure.StopSignal}: Ctrl-C and SIGTERM finish the current point cleanly.</li>
 *   <li>{@link org.gapscope.measure.Plots}: XChart PNG line charts, log x axis, dashed reference curves.</li>
 *   <li>{@link org.gapscope.measure.Study}: the default study's steps ({@code gapscope study}).</li>
 *   <li>The sweeps: {@link org.gapscope.measure.GapSweep} with {@link org.gapscope.api.SweepLogits}
 *       ({@code sweep gap}), {@link org.gapscope.measure.CrowdingSweep} ({@code crowding}),
 *       {@link org.gapscope.measure.MarginSweep} ({@code margin}), {@link org.gapscope.measure.PositionalSweep}
 *       ({@code positional}).</li>
 *   <li>{@link org.gapscope.measure.JsonValues}: the JSON mappers; NaN and infinities as null, named per row.</li>
 * </ul>
 */
package org.gapscope.measure;
