package org.gapscope.measure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.positional.PositionalAttenuation;
import org.gapscope.positional.PositionalAttenuation.FrequencyGrid;
import org.gapscope.positional.Undertraining;

/**
 * {@code positional}: f(Delta) = (1/m) sum_k cos(omega_k Delta) of P2 Lemma 3 ({@link PositionalAttenuation},
 * computed by {@link Backend#positional}) over a grid of distances, with the bound 2/(Omega Delta) and,
 * with a training-length law, Lemma 2's p(Delta) ({@link Undertraining}).
 *
 * <p>Every distance is one point and one row ({@link #COLUMNS}; key: {@code delta}): {@code delta, f,
 * bound, aboveBound} (|f| &gt; bound) and {@code pDelta} (with a length law). A dense scan has up to 5e7
 * points, so points go {@link #BATCH} at a time: one backend call and one fsync of the point files per
 * batch, not per point (a batch is whole or, after a crash, cut back to its finished lines; Ctrl-C stops
 * between batches). The curve-wide quantities, which need every point, are derived from the recorded
 * rows after the loop: the envelope (max |f| at and beyond Delta, in the plot and the printed table), the
 * revivals ({@code revivals.csv}) and the summary in the manifest ({@link #curve}).
 *
 * @param grid        the frequency grid's kind
 * @param omegas      the frequencies
 * @param description the grid's own parameters (m and omegaMin/omegaMax, or base and d), for the identity and the summary
 * @param deltas      the distances, sorted and distinct
 * @param deltaSpec   how the distances were given (a scan or the list), for the identity
 * @param lengths     the training-length law's spec, or null
 * @param lengthLaw   that law, parsed (null without one)
 */
public record PositionalSweep(FrequencyGrid grid, double[] omegas, Map<String, Object> description, double[] deltas,
                              Object deltaSpec, String lengths, Undertraining lengthLaw) implements Sweep<PositionalSweep.Point> {

    /** Distances per backend call and per fsync of the point files. */
    public static final int BATCH = 8192;

    public static final List<String> KEYS = List.of("delta");
    public static final List<String> COLUMNS = List.of("delta", "f", "bound", "aboveBound", "pDelta");

    public static final String PNG = "positional.png";
    public static final String PDELTA_PNG = "pdelta.png";
    public static final String REVIVALS = "revivals.csv";

    /** Most points per plotted curve. */
    static final int PLOT_POINTS = 5000;

    /**
     * A sweep from parsed options: the uniform grid from (omegaMin, omegaMax, m), the geometric and RoPE
     * grids from (base, d); distances sorted with repeats dropped.
     */
    public static PositionalSweep of(FrequencyGrid grid, int m, double omegaMin, double omegaMax, double base, int d,
                                     double[] deltas, Object deltaSpec, String lengths) {
        double[] omegas = switch (grid) {
            case uniform -> PositionalAttenuation.uniformGrid(omegaMin, omegaMax, m);
            case geometric, rope -> PositionalAttenuation.geometricGrid(base, d);
        };
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("grid", grid.name());
        desc.put("m", omegas.length);
        if (grid == FrequencyGrid.uniform) {
            desc.put("omegaMin", omegaMin);
            desc.put("omegaMax", omegaMax);
        } else {
            desc.put("base", base);
            desc.put("d", 2 * omegas.length);
        }
        for (double x : deltas) {
            if (!Double.isFinite(x) || x < 0) {
                throw new InputException("--delta: distances must be finite and >= 0, got " + x);
            }
        }
        double[] sorted = java.util.Arrays.stream(deltas).sorted().distinct().toArray();
        Undertraining law = lengths == null ? null : Undertraining.parse(lengths); // refused before anything is written
        return new PositionalSweep(grid, omegas, desc, sorted, deltaSpec, lengths, law);
    }

    /** One distance. */
    public record Point(double delta) implements Sweep.Point {
        @Override
        public Map<String, Object> key() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delta", delta);
            return m;
        }
    }

    /** Command {@code positional}, key {@link #KEYS}, columns {@link #COLUMNS}. */
    public static final Layout LAYOUT = new Layout("positional", KEYS, COLUMNS);

    @Override
    public Layout layout() {
        return LAYOUT;
    }

    @Override
    public List<Point> points() {
        List<Point> out = new ArrayList<>(deltas.length);
        for (double x : deltas) {
            out.add(new Point(x));
        }
        return out;
    }

    @Override
    public Map<String, Object> parameters(String backend) {
        Map<String, Object> p = new LinkedHashMap<>(description);
        p.put("deltas", deltaSpec);
        p.put("lengths", lengths);
        p.put("backend", backend);
        return p;
    }

    @Override
    public List<?> seeds() {
        return List.of();
    }

    @Override
    public int pointsPerBatch() {
        return BATCH;
    }

    @Override
    public Map<String, Object> compute(Point p, Backend backend) {
        return computeBatch(List.of(p), backend, Progress.Mode.OFF).get(0);
    }

    @Override
    public List<Map<String, Object>> computeBatch(List<Point> points, Backend backend, Progress.Mode progress) {
        double[] d = new double[points.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = points.get(i).delta();
        }
        double[] f = backend.positional(omegas, d);
        double omega = PositionalAttenuation.omega(omegas);
        Undertraining u = lengthLaw;
        List<Map<String, Object>> out = new ArrayList<>(d.length);
        for (int i = 0; i < d.length; i++) {
            double bound = PositionalAttenuation.bound(omega, d[i]);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("f", f[i]);
            r.put("bound", bound);
            r.put("aboveBound", Math.abs(f[i]) > bound);
            if (u != null) {
                r.put("pDelta", u.p(d[i]));
            }
            out.add(r);
        }
        return out;
    }

    /**
     * The curve of the recorded rows (sorted by Delta) and what is derived from all of it.
     *
     * @param header   the summary: grid parameters, Omega, the uniform grid's guaranteed range and first
     *                 revival, the number of points, the points above the bound and, with a length law, Lemma 2's
     *                 window, mean distance and tail shares ({@code undertraining})
     * @param envelope max |f| at and beyond each Delta among the recorded points
     * @param pDelta   null without a length law
     */
    public record Curve(Map<String, Object> header, double[] deltas, double[] f, double[] bound, double[] envelope,
                        double[] pDelta, List<PositionalAttenuation.Interval> revivals) {}

    /** The curve of {@code rows} (grid order, i.e. increasing Delta); {@code backend} and device head the summary. */
    public Curve curve(List<Map<String, Object>> rows, Backend backend) {
        int n = rows.size();
        double[] d = new double[n];
        double[] f = new double[n];
        double[] b = new double[n];
        double[] pd = lengths == null ? null : new double[n];
        for (int i = 0; i < n; i++) {
            Map<String, Object> r = rows.get(i);
            d[i] = PointLog.number(r, "delta");
            f[i] = PointLog.number(r, "f");
            b[i] = PointLog.number(r, "bound");
            if (pd != null) {
                pd[i] = PointLog.number(r, "pDelta");
            }
        }
        double omega = PositionalAttenuation.omega(omegas);
        Map<String, Object> h = new LinkedHashMap<>();
        if (backend != null) {
            h.put("backend", backend.name());
            h.put("device", backend.device());
        }
        h.putAll(description);
        h.put("Omega", omega);
        if (grid == FrequencyGrid.uniform) {
            h.put("boundGuaranteedUpTo", PositionalAttenuation.uniformGuaranteedUpTo(omega, omegas.length));
            h.put("firstRevival", 2 * Math.PI * (omegas.length - 1) / omega);
        }
        List<PositionalAttenuation.Interval> rev = PositionalAttenuation.revivals(d, f, omega);
        int count = 0;
        for (PositionalAttenuation.Interval iv : rev) {
            count += iv.points();
        }
        h.put("deltaPoints", n);
        h.put("pointsAboveBound", count);
        if (lengths != null) {
            Undertraining u = lengthLaw;
            int w = u.window();
            Map<String, Object> ut = new LinkedHashMap<>();
            ut.put("lengths", lengths);
            ut.put("window", w);
            ut.put("meanDelta", u.meanDelta());
            ut.put("fractionLastHalf", u.tailFraction(w / 2.0));
            ut.put("fractionLastQuarter", u.tailFraction(0.75 * w));
            ut.put("fractionLastTenth", u.tailFraction(0.9 * w));
            h.put("undertraining", ut);
        }
        return new Curve(h, d, f, b, PositionalAttenuation.envelope(f), pd, rev);
    }

    /** The summary into the manifest and the revivals into {@code revivals.csv}. */
    @Override
    public void summarize(RunDirectory run, List<Map<String, Object>> rows) {
        Curve c = curve(rows, null);
        run.put("summary", c.header());
        StringBuilder rev = new StringBuilder("from,to,points,maxAbsF,maxRatio\n");
        for (PositionalAttenuation.Interval iv : c.revivals()) {
            rev.append(iv.from()).append(',').append(iv.to()).append(',').append(iv.points()).append(',')
                    .append(iv.maxAbsF()).append(',').append(iv.maxRatio()).append('\n');
        }
        try {
            RunDirectory.writeAtomically(run.file(REVIVALS), rev.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InputException(run.dir() + ": cannot write " + REVIVALS + ": " + e.getMessage(), e);
        }
    }

    /**
     * |f|, its envelope and the bound against Delta (log-log), at most {@link #PLOT_POINTS} points per curve:
     * buckets of consecutive Delta keep their largest |f| (so revival peaks survive) and that point's bound
     * and envelope; and p(Delta) with a length law.
     */
    @Override
    public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
        Curve c = curve(rows, null);
        int n = c.deltas().length;
        int buckets = Math.min(n, PLOT_POINTS);
        double[] x = new double[buckets];
        double[] absF = new double[buckets];
        double[] env = new double[buckets];
        double[] bnd = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            int best = from;
            for (int i = from; i < to; i++) {
                if (Math.abs(c.f()[i]) > Math.abs(c.f()[best])) {
                    best = i;
                }
            }
            x[b] = c.deltas()[best];
            absF[b] = Math.abs(c.f()[best]);
            env[b] = c.envelope()[best];
            bnd[b] = c.bound()[best];
        }
        List<Plots.Series> series = new ArrayList<>(List.of(
                new Plots.Series("|f(Delta)|" + (buckets < n ? " (largest per bucket of " + (n / buckets) + ")" : ""), x, absF, false),
                new Plots.Series("envelope (max |f| at and beyond Delta)", x, env, true),
                new Plots.Series("bound 2/(Omega Delta)", x, bnd, true)));
        Plots.line(run.file(PNG), "Positional attenuation, " + grid.name() + " grid, m = " + omegas.length,
                "Delta", "|f|", series, true, true);
        List<String> files = new ArrayList<>(List.of(PNG));
        if (c.pDelta() != null) {
            Plots.line(run.file(PDELTA_PNG), "Lemma 2: share of training pairs at distance Delta", "Delta", "p(Delta)",
                    List.of(new Plots.Series("p(Delta)", c.deltas(), c.pDelta(), false)), true, true);
            files.add(PDELTA_PNG);
        }
        return files;
    }
}
