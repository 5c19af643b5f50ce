package org.gapscope.measure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.CrowdingStates;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.CrowdingSimulation;

/**
 * {@code crowding}: the Monte Carlo of P_N (P2 Lemma 4, {@link CrowdingSimulation}) over a grid of
 * distractor laws, relevant scores s (given directly or as a margin over the law's mean), numbers of
 * scores N and mitigations, every point with the same repetitions and seed (common random numbers).
 *
 * <p>Columns ({@link #COLUMNS}; key: {@code distribution, mitigation, s, n}): {@code n, meanP, stdErr,
 * meanField, difference} (the contract's columns first), {@code s}, {@code margin} (with margins), the law's
 * own parameters ({@link Distribution#describe}), {@code mitigation}, the quantiles and the regime flags
 * {@code smallN}, {@code maxDominates}. A point's size for the ETA is N x repetitions.
 *
 * @param distributions the distractor laws, outermost
 * @param values        the s values, or the margins over each law's mean when {@code byMargin}
 * @param byMargin      whether {@code values} are margins (s = E[X] + value)
 * @param ns            the numbers of scores N
 * @param mitigations   the mitigations, innermost (compared on the same draws)
 * @param reps          repetitions per point
 * @param seed          the Philox seed
 * @param batch         repetitions per backend call (progress granularity; the values do not depend on it)
 */
public record CrowdingSweep(List<Distribution> distributions, double[] values, boolean byMargin, List<Long> ns,
                            List<Mitigation> mitigations, int reps, long seed, int batch)
        implements SplitSweep<CrowdingSweep.Point> {

    public static final List<String> KEYS = List.of("distribution", "mitigation", "s", "n");

    /** Every column, in CSV order; the contract's four first. */
    public static final List<String> COLUMNS = List.of("n", "meanP", "stdErr", "meanField", "difference", "s", "margin",
            "distribution", "law", "mu", "sigma", "lo", "hi", "shift", "rate", "nu", "mitigation", "sd", "q05", "q25",
            "median", "q75", "q95", "smallN", "maxDominates");

    public CrowdingSweep {
        if (reps < 1) {
            throw new InputException("--reps: must be >= 1, got " + reps);
        }
        if (byMargin) {
            for (Distribution d : distributions) {
                if (!Double.isFinite(d.law().mean())) {
                    throw new InputException("--margin: the law " + d.label() + " has no finite mean; give --s");
                }
            }
        }
    }

    /** One distractor law with its scale (the sigma grid applies to the laws that have a scale). */
    public record Distribution(String name, Law law, double sigma) implements java.io.Serializable {
        /** The law's own parameter columns. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("law", name);
            switch (law.kind()) {
                case GAUSSIAN, GUMBEL -> {
                    m.put("mu", law.a());
                    m.put("sigma", law.b());
                }
                case UNIFORM -> {
                    m.put("lo", law.a());
                    m.put("hi", law.b());
                }
                case EXPONENTIAL -> {
                    m.put("shift", law.a());
                    m.put("rate", law.b());
                }
                case STUDENT_T -> {
                    m.put("mu", law.a());
                    m.put("sigma", law.b());
                    m.put("nu", law.c());
                }
            }
            return m;
        }

        /** The {@code distribution} column, e.g. {@code gaussian(0.0, 1.0)}. */
        public String label() {
            return switch (law.kind()) {
                case GAUSSIAN -> "gaussian(" + law.a() + ", " + law.b() + ")";
                case GUMBEL -> "gumbel(" + law.a() + ", " + law.b() + ")";
                case UNIFORM -> "uniform[" + law.a() + ", " + law.b() + "]";
                case EXPONENTIAL -> law.a() + " + exponential(" + law.b() + ")";
                case STUDENT_T -> "student-t(" + law.a() + ", " + law.b() + ", nu=" + law.c() + ")";
            };
        }
    }

    /** A point of N scores, simulated with some repetitions (crowding and margin points). */
    public interface Simulated extends Sweep.Point {
        long n();

        int reps();

        /** N x repetitions draws (per simulation). */
        @Override
        default double size() {
            return (double) n() * reps();
        }
    }

    /** One point: s is the relevant score (margin, when given, is what s was derived from). */
    public record Point(Distribution distribution, Mitigation mitigation, double s, Double margin, long n, int reps)
            implements Simulated {
        @Override
        public Map<String, Object> key() {
            return CrowdingSweep.key(distribution, mitigation, "s", s, n, margin);
        }
    }

    /** Command {@code crowding}, key {@link #KEYS}, columns {@link #COLUMNS}. */
    public static final Layout LAYOUT = new Layout("crowding", KEYS, COLUMNS);

    @Override
    public Layout layout() {
        return LAYOUT;
    }

    /** Laws outermost, then s, N, mitigations. */
    @Override
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (Distribution d : distributions) {
            for (double v : values) {
                double s = byMargin ? d.law().mean() + v : v;
                for (long n : ns) {
                    for (Mitigation m : mitigations) {
                        out.add(new Point(d, m, s, byMargin ? v : null, n, reps));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The row prefix of crowding and margin points: the key columns distribution, mitigation,
     * {@code column} = value, n; then the margin s was derived from (when not null) and the law's
     * parameters.
     */
    static Map<String, Object> key(Distribution d, Mitigation m, String column, double value, long n, Double margin) {
        Map<String, Object> p = JsonValues.object("distribution", d.label(), "mitigation", label(m), column, value, "n", n);
        if (margin != null) {
            p.put("margin", margin);
        }
        p.putAll(d.describe());
        return p;
    }

    @Override
    public Map<String, Object> parameters(String backend) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("n", ns);
        params.put("distributions", distributions.stream().map(Distribution::label).toList());
        params.put(byMargin ? "margin" : "s", Arrays.stream(values).boxed().toList());
        params.put("mitigations", mitigations.stream().map(CrowdingSweep::label).toList());
        params.put("reps", reps);
        params.put("seed", seed);
        params.put("backend", backend);
        return params;
    }

    @Override
    public List<?> seeds() {
        return List.of(seed);
    }

    @Override
    public Map<String, Object> compute(Point p, Backend backend) {
        return compute(p, backend, Progress.Mode.OFF);
    }

    @Override
    public Map<String, Object> compute(Point p, Backend backend, Progress.Mode progress) {
        return results(CrowdingSimulation.point(backend, p.n(), p.s(), p.distribution().law(), reps, seed,
                p.mitigation(), batch, slowPointProgress(p.n(), progress)));
    }

    /**
     * Draws (N x repetitions) from which a point spans a cluster (system property
     * {@code gapscope.splitWork}, default 2^31, about a second of the cpu backend on one core).
     */
    public static final long SPLIT_WORK = 1L << 31;

    /**
     * On a cluster, a point of at least {@link #SPLIT_WORK} draws spans several task slots. With at least as
     * many batches of repetitions as slots, it splits into repetition ranges of whole {@code --batch} batches,
     * one per slot: each range makes the same backend calls as the one-machine loop of
     * {@link CrowdingSimulation#simulate} (same first repetition, same count). With fewer batches than slots
     * (few repetitions of a huge N), it splits into index ranges, one per slot: each range computes, batch by
     * batch, a share of the backend's chunks of every repetition ({@link Backend#crowdingStates}), and the
     * driver merges the chunk states in range order ({@link CrowdingStates#merge}). Either way the merged
     * per-repetition values, and every statistic of them, are the one-machine bits. A range count above the
     * batch count means index ranges.
     */
    @Override
    public int ranges(Point p, int slots) {
        int batches = (reps + batchSize() - 1) / batchSize();
        if (p.size() < Long.getLong("gapscope.splitWork", SPLIT_WORK)) {
            return 1;
        }
        if (batches < slots && p.n() > 2 && p.mitigation().kind() != Mitigation.Kind.TOP_K) {
            return slots; // index ranges (top-k selects on the host: no chunk states)
        }
        return Math.max(1, Math.min(slots, batches));
    }

    @Override
    public java.io.Serializable range(Point p, int index, int ranges, Backend backend) {
        int b = batchSize();
        int batches = (reps + b - 1) / b;
        if (ranges > batches) { // index ranges: this range's chunk states of every batch, in batch order
            ArrayList<CrowdingStates> states = new ArrayList<>();
            for (int first = 0; first < reps; first += b) {
                states.add(backend.crowdingStates(spec(p, first, Math.min(b, reps - first)), index, ranges));
            }
            return states;
        }
        int from = (int) Math.min(reps, (long) batches * index / ranges * b);
        int to = (int) Math.min(reps, (long) batches * (index + 1) / ranges * b);
        double[] values = new double[to - from];
        for (int first = from; first < to; first += b) {
            int count = Math.min(b, to - first);
            CrowdingResult r = backend.crowding(spec(p, first, count));
            System.arraycopy(r.p(), 0, values, first - from, count);
        }
        return values;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> merge(Point p, List<java.io.Serializable> partials) {
        double[] values = new double[reps];
        int at = 0;
        if (partials.get(0) instanceof List<?>) { // index ranges: per batch, the ranges' states in range order
            int b = batchSize();
            int batch = 0;
            for (int first = 0; first < reps; first += b, batch++) {
                List<CrowdingStates> parts = new ArrayList<>();
                for (java.io.Serializable part : partials) {
                    parts.add(((List<CrowdingStates>) part).get(batch));
                }
                CrowdingSpec spec = spec(p, first, Math.min(b, reps - first));
                double[] batchValues = CrowdingStates.merge(spec, parts).p();
                System.arraycopy(batchValues, 0, values, first, batchValues.length);
                at += batchValues.length;
            }
        } else {
            for (java.io.Serializable part : partials) {
                double[] d = (double[]) part;
                System.arraycopy(d, 0, values, at, d.length);
                at += d.length;
            }
        }
        if (at != reps) {
            throw new IllegalStateException("the ranges hold " + at + " repetitions, not " + reps);
        }
        return results(CrowdingSimulation.summarize(p.n(), p.s(), p.distribution().law(), p.mitigation(), values));
    }

    /** The backend call for repetitions [first, first + count) of a point, as the one-machine loop makes it. */
    private CrowdingSpec spec(Point p, int first, int count) {
        return new CrowdingSpec(p.n(), p.s(), p.distribution().law(), count, first, seed, p.mitigation());
    }

    /** Repetitions per backend call, as {@link CrowdingSimulation#simulate} uses them. */
    private int batchSize() {
        return Math.max(1, batch);
    }

    /**
     * Within one point, a line on stderr every 10 s once the point has run for 10 s (large N on a slow
     * backend), so a long point is not silent; nothing with progress off.
     */
    static CrowdingSimulation.BatchDone slowPointProgress(long n, Progress.Mode mode) {
        if (mode == Progress.Mode.OFF) {
            return null;
        }
        long start = System.nanoTime();
        long[] last = {start};
        return (done, total) -> {
            long now = System.nanoTime();
            if (now - last[0] >= 10_000_000_000L && done < total) {
                last[0] = now;
                double per = (now - start) / 1e9 / done;
                System.err.printf("crowding: N = %d: %d/%d repetitions, about %.0f s left in this point%n",
                        n, done, total, per * (total - done));
                System.err.flush();
            }
        };
    }

    /** The result columns of one simulated point. */
    static Map<String, Object> results(CrowdingSimulation.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("meanP", p.meanP());
        m.put("stdErr", p.stats().stdErr());
        m.put("meanField", p.meanField());
        m.put("difference", p.difference());
        m.put("sd", p.stats().sd());
        m.put("q05", p.stats().q05());
        m.put("q25", p.stats().q25());
        m.put("median", p.stats().median());
        m.put("q75", p.stats().q75());
        m.put("q95", p.stats().q95());
        m.put("smallN", p.smallN());
        m.put("maxDominates", p.maxDominates());
        return m;
    }

    /** One PNG per distribution: mean P_N (markers) and the mean field (dashed) against N, log-log. */
    @Override
    public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
        List<String> files = new ArrayList<>();
        Map<String, List<Map<String, Object>>> byLaw = new LinkedHashMap<>();
        for (Map<String, Object> p : rows) {
            byLaw.computeIfAbsent((String) p.get("distribution"), k -> new ArrayList<>()).add(p);
        }
        for (var e : byLaw.entrySet()) {
            Map<String, List<Map<String, Object>>> curves = new LinkedHashMap<>();
            for (Map<String, Object> p : e.getValue()) {
                String name = p.get("mitigation") + ", s=" + num(PointLog.number(p, "s"));
                curves.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
            }
            List<Plots.Series> series = new ArrayList<>();
            for (var c : curves.entrySet()) {
                addCurvePair(series, c.getKey(), c.getValue(), "n", "mean P_N", "meanP", "mean field", "meanField");
            }
            String file = "crowding-" + slug(e.getKey()) + ".png";
            Plots.line(run.file(file), "P_N against N: " + e.getKey(), "N", "P_N", series, true, true);
            files.add(file);
        }
        return files;
    }

    /**
     * Adds one curve's two series to {@code series}: the rows sorted by N, x from column {@code xKey},
     * the simulated column as markers and the closed-form column dashed.
     */
    static void addCurvePair(List<Plots.Series> series, String name, List<Map<String, Object>> curve, String xKey,
                             String markersLabel, String markersKey, String dashedLabel, String dashedKey) {
        List<Map<String, Object>> rows = new ArrayList<>(curve);
        rows.sort(Comparator.comparingDouble(r -> PointLog.number(r, "n")));
        double[] x = rows.stream().mapToDouble(r -> PointLog.number(r, xKey)).toArray();
        series.add(new Plots.Series(markersLabel + ", " + name, x,
                rows.stream().mapToDouble(r -> PointLog.number(r, markersKey)).toArray(), false, name));
        series.add(new Plots.Series(dashedLabel + ", " + name, x,
                rows.stream().mapToDouble(r -> PointLog.number(r, dashedKey)).toArray(), true, name));
    }

    /** The {@code mitigation} column: none, scalable:C, topk:K, temperature:T. */
    public static String label(Mitigation m) {
        return switch (m.kind()) {
            case NONE -> "none";
            case SCALABLE -> "scalable:" + num(m.value());
            case TOP_K -> "topk:" + (long) m.value();
            case TEMPERATURE -> "temperature:" + num(m.value());
        };
    }

    /** Compact number: 2 rather than 2.0, 0.5 as is. */
    public static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** A file-name-safe form of a label. */
    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9.+-]+", "_").replaceAll("_+$", "");
    }
}
