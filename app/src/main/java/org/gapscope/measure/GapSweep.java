package org.gapscope.measure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepLogits;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;

/**
 * {@code sweep gap}: the Jensen gap of logit summation (docs/MATH.md section 3) and the Theorem 4 score gaps
 * of the equal-weight mixture (section 4) over a grid of vocabulary sizes V, head counts H, tokens per
 * point B, logit laws (see {@link SweepLogits}), sigma, margin a, correlation rho, temperature T and seeds.
 *
 * <p>Per point, {@link Backend#sweepGap} draws the logits inside its kernels (never stored: memory
 * O(H x chunks), so H V may far exceed 2^31) and returns per token Gamma, gammaJ, the ledger and the
 * Theorem 4 log and Brier gaps with beta_h = 1/H. Results are averaged over the point's tokens in token
 * order (a fixed order, so a point's row is the same bytes on every run of the same backend, apart from
 * the timing columns).
 *
 * <p>Columns ({@link #COLUMNS}; the first nine are the key): {@code law, V, H, tokens, sigma, margin, rho,
 * T, seed} (margin / rho are null where the law does not use them), then {@code gamma} (mean over tokens
 * of Gamma = sum_h log Z_h - log Z), {@code gammaMin}, {@code gammaMax}, {@code gammaJ} (mean averaged-logit
 * gap), {@code bound} = (H-1) ln V, {@code gammaRatio} = gamma / bound (NaN when H = 1 or V = 1),
 * {@code ledger} (mean of the ledger imbalance sum_h p_h - p_{H+1} at y*), {@code ledgerError}
 * (max over tokens of |ledger - Gamma|, which eq. 73 says is 0), {@code logGap} and {@code brierGap} (mean
 * Theorem 4 gaps Gamma_S = S(Pi, y*) - (1/H) sum_h S(pi^(h), y*); brierGap is null when the grid skips the
 * Brier gap, {@code --scores log}: its work, the heads' pair states or a second pass over the draws, is then not done), {@code nonFinite} (NaN/inf logits seen:
 * always 0, {@link SweepSpec} refuses points whose logits could overflow float32), {@code seconds} (wall
 * time of the point's backend call; on a cluster, a point split into token ranges sums its ranges' times)
 * and {@code logitsPerSec} = B H V / seconds.
 *
 * <p>On a cluster ({@code --spark}) a large point splits into token ranges ({@link Grid#ranges}): each range
 * runs {@link Backend#sweepGap} on {@link SweepSpec#withTokens} (the same draws as those tokens of the whole
 * point) and returns its per-token numbers; the driver runs the token loop of {@link #results} over the
 * ranges in token order, so the row is the one-machine row.
 */
public final class GapSweep {
    private GapSweep() {}

    public static final List<String> KEYS = List.of("law", "V", "H", "tokens", "sigma", "margin", "rho", "T", "seed");
    public static final List<String> RESULTS = List.of("gamma", "gammaMin", "gammaMax", "gammaJ", "bound", "gammaRatio",
            "ledger", "ledgerError", "logGap", "brierGap", "nonFinite", "seconds", "logitsPerSec");
    public static final List<String> COLUMNS;

    static {
        List<String> c = new ArrayList<>(KEYS);
        c.addAll(RESULTS);
        COLUMNS = List.copyOf(c);
    }

    /** Command {@code sweep gap}, key {@link #KEYS}, columns {@link #COLUMNS}. */
    public static final Sweep.Layout LAYOUT = new Sweep.Layout("sweep gap", KEYS, COLUMNS);

    /** One grid point; margin and rho are null where the law does not use them. */
    public record Point(SweepLaw law, int vocab, int heads, int tokens, double sigma, Double margin, Double rho,
                        double temperature, long seed) implements Sweep.Point {

        /** B x H x V logits. */
        @Override
        public double size() {
            return (double) tokens * heads * vocab;
        }

        /** The point's key values as a row prefix (insertion order = {@link #KEYS}). */
        @Override
        public Map<String, Object> key() {
            return JsonValues.object("law", law.name(), "V", vocab, "H", heads, "tokens", tokens, "sigma", sigma,
                    "margin", margin, "rho", rho, "T", temperature, "seed", seed);
        }

        /** The point as the backend's sweep spec (checks every parameter: InputException names the bad one). */
        public SweepSpec spec() {
            return new SweepSpec(law, heads, vocab, tokens, sigma, margin == null ? 0 : margin, rho == null ? 0 : rho,
                    temperature, seed);
        }
    }

    /**
     * The grid: the cartesian product of the lists, with margin only for agree/disagree and rho only for
     * correlated. Lists are de-duplicated, order kept.
     */
    public record Grid(List<Integer> vocab, List<Integer> heads, List<Integer> tokens, List<SweepLaw> laws,
                       List<Double> sigma, List<Double> margin, List<Double> rho, List<Double> temperature,
                       List<Long> seeds, boolean brier) implements SplitSweep<GapSweep.Point> {

        /** The grid with both score gaps (log and Brier). */
        public Grid(List<Integer> vocab, List<Integer> heads, List<Integer> tokens, List<SweepLaw> laws,
                    List<Double> sigma, List<Double> margin, List<Double> rho, List<Double> temperature,
                    List<Long> seeds) {
            this(vocab, heads, tokens, laws, sigma, margin, rho, temperature, seeds, true);
        }

        public Grid {
            vocab = dedupe(vocab, "--vocab");
            heads = dedupe(heads, "--heads");
            tokens = dedupe(tokens, "--tokens");
            laws = dedupe(laws, "--law");
            sigma = dedupe(sigma, "--sigma");
            margin = dedupe(margin, "--margin");
            rho = dedupe(rho, "--rho");
            temperature = dedupe(temperature, "--temperature");
            seeds = dedupe(seeds, "--seed");
            for (int v : vocab) {
                if (v <= 0) {
                    throw new InputException("--vocab: vocabulary sizes must be >= 1, got " + v
                            + (v == 0 ? " (empty vocabulary)" : ""));
                }
            }
            for (int h : heads) {
                if (h <= 0) {
                    throw new InputException("--heads: head counts must be >= 1, got " + h);
                }
            }
            for (int b : tokens) {
                if (b <= 0) {
                    throw new InputException("--tokens: tokens per point must be >= 1, got " + b);
                }
            }
            for (double s : sigma) {
                if (!(s >= 0) || Double.isInfinite(s)) {
                    throw new InputException("--sigma: must be finite and >= 0, got " + s);
                }
            }
            for (double a : margin) {
                if (!Double.isFinite(a)) {
                    throw new InputException("--margin: must be finite, got " + a);
                }
            }
            for (double r : rho) {
                if (!(r >= 0 && r <= 1)) {
                    throw new InputException("--rho: correlation must be in [0, 1], got " + r);
                }
            }
            for (double t : temperature) {
                if (!(t > 0) || Double.isInfinite(t)) {
                    throw new InputException("--temperature: must be finite and > 0, got " + t);
                }
            }
            for (GapSweep.Point p : expand(vocab, heads, tokens, laws, sigma, margin, rho, temperature, seeds)) {
                p.spec(); // the checks of the backend's op, before anything is written
            }
        }

        private static <T> List<T> dedupe(List<T> list, String flag) {
            if (list == null || list.isEmpty()) {
                throw new InputException(flag + ": needs at least one value");
            }
            return List.copyOf(new LinkedHashSet<>(list));
        }

        @Override
        public Layout layout() {
            return LAYOUT;
        }

        @Override
        public Map<String, Object> compute(GapSweep.Point p, Backend backend) {
            return GapSweep.compute(p, backend, brier);
        }

        /**
         * On a cluster, a point of at least {@link #SPLIT_LOGITS} logits (B H V) and B &ge; 2 splits into token
         * ranges, at most one per task slot and per token.
         */
        @Override
        public int ranges(GapSweep.Point p, int slots) {
            boolean large = p.size() >= Long.getLong("gapscope.splitWork", SPLIT_LOGITS);
            return large ? Math.max(1, Math.min(slots, p.tokens())) : 1;
        }

        /** Tokens [B index / ranges, B (index + 1) / ranges) of the point: their per-token numbers. */
        @Override
        public java.io.Serializable range(GapSweep.Point p, int index, int ranges, Backend backend) {
            int from = (int) ((long) p.tokens() * index / ranges);
            int to = (int) ((long) p.tokens() * (index + 1) / ranges);
            return GapSweep.tokens(p.spec().withBrier(brier).withTokens(from, to - from), backend);
        }

        /** The ranges' tokens in token order, through the one-machine token loop ({@link GapSweep#results}). */
        @Override
        public Map<String, Object> merge(GapSweep.Point p, List<java.io.Serializable> partials) {
            List<Tokens> ranges = new ArrayList<>();
            for (java.io.Serializable part : partials) {
                ranges.add((Tokens) part);
            }
            return GapSweep.results(p, ranges);
        }

        /** Refuses a backend without FP64 (one line, before the run directory is opened or written). */
        @Override
        public RunDirectory open(java.nio.file.Path dir, Backend backend, List<String> commandLine) {
            if (!backend.capabilities().fp64()) {
                throw new InputException("--backend " + backend.name() + ": sweep gap needs FP64 and the device has none ("
                        + backend.device() + "); use --backend cpu, or choose another --device");
            }
            return SplitSweep.super.open(dir, backend, commandLine);
        }

        @Override
        public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
            return GapSweep.plots(run, rows);
        }

        /** Every point, laws outermost, then sigma, margin/rho, T, H, V, tokens, seed. */
        @Override
        public List<GapSweep.Point> points() {
            return expand(vocab, heads, tokens, laws, sigma, margin, rho, temperature, seeds);
        }

        private static List<GapSweep.Point> expand(List<Integer> vocab, List<Integer> heads, List<Integer> tokens,
                                                   List<SweepLaw> laws, List<Double> sigma, List<Double> margin,
                                                   List<Double> rho, List<Double> temperature, List<Long> seeds) {
            List<GapSweep.Point> out = new ArrayList<>();
            for (SweepLaw law : laws) {
                List<Double> ms = law.usesMargin() ? margin : java.util.Collections.singletonList(null);
                List<Double> rs = law.usesRho() ? rho : java.util.Collections.singletonList(null);
                for (double s : sigma) {
                    for (Double m : ms) {
                        for (Double r : rs) {
                            for (double t : temperature) {
                                for (int h : heads) {
                                    for (int v : vocab) {
                                        for (int b : tokens) {
                                            for (long seed : seeds) {
                                                out.add(new GapSweep.Point(law, v, h, b, s, m, r, t, seed));
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return out;
        }

        /** The grid as the run directory's identity parameters (plus the backend name). */
        @Override
        public Map<String, Object> parameters(String backend) {
            Map<String, Object> m = JsonValues.object("vocab", vocab, "heads", heads, "tokens", tokens, "law",
                    laws.stream().map(Enum::name).toList(), "sigma", sigma, "margin", margin, "rho", rho, "temperature",
                    temperature, "seed", seeds);
            if (!brier) { // only then: run directories of the default grid keep their identity
                m.put("scores", List.of("log"));
            }
            m.put("backend", backend);
            return m;
        }

    }

    /**
     * Logits (B H V) from which a sweep-gap point spans a cluster in token ranges (system property
     * {@code gapscope.splitWork} overrides it, as for crowding): 2^28, a few seconds of the cpu backend.
     */
    public static final long SPLIT_LOGITS = 1L << 28;

    /**
     * The per-token numbers of tokens [first, first + gamma.length) of a point (a token range, or all of
     * them), with the wall time of the backend call that computed them.
     */
    public record Tokens(long first, double[] gamma, double[] gammaJ, double[] ledger, double[] logGap,
                         double[] brierGap, double seconds) implements java.io.Serializable {}

    /** Runs {@code spec}'s tokens on {@code backend}: their per-token numbers (first = spec.firstToken()). */
    public static Tokens tokens(SweepSpec spec, Backend backend) {
        long t0 = System.nanoTime();
        SweepResult g = backend.sweepGap(spec);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        return new Tokens(spec.firstToken(), g.gamma(), g.gammaJ(), g.ledger(), g.logGap(), g.brierGap(), seconds);
    }

    /** Computes one point's results on {@code backend} (the columns of {@link #RESULTS}). */
    public static Map<String, Object> compute(Point p, Backend backend) {
        return compute(p, backend, true);
    }

    /** One point's results, with the Brier gap or without it (brierGap null: no pair states, no second pass over the draws). */
    public static Map<String, Object> compute(Point p, Backend backend, boolean brier) {
        return results(p, List.of(tokens(p.spec().withBrier(brier), backend)));
    }

    /**
     * A point's result columns from its tokens, given as consecutive ranges in token order (one range on one
     * machine): one loop over the tokens in token order, so a point split into token ranges has the
     * one-machine bits. {@code seconds} is the sum of the ranges' backend times. A range that does not start
     * where the one before it ended, or ranges that do not cover the point's B tokens, is a bug
     * (IllegalStateException).
     */
    public static Map<String, Object> results(Point p, List<Tokens> ranges) {
        int h = p.heads();
        int v = p.vocab();
        double sumGamma = 0;
        double minGamma = Double.POSITIVE_INFINITY;
        double maxGamma = Double.NEGATIVE_INFINITY;
        double sumGammaJ = 0;
        double sumLedger = 0;
        double ledgerError = 0;
        double sumLog = 0;
        double sumBrier = 0;
        double seconds = 0;
        long next = 0;
        for (Tokens g : ranges) {
            if (g.first() != next) {
                throw new IllegalStateException("sweep gap " + p.key() + ": a token range starts at token " + g.first()
                        + ", expected " + next + " (ranges must come in token order)");
            }
            next += g.gamma().length;
            seconds += g.seconds();
            for (int k = 0; k < g.gamma().length; k++) {
                double gamma = g.gamma()[k];
                sumGamma += gamma;
                minGamma = Math.min(minGamma, gamma);
                maxGamma = Math.max(maxGamma, gamma);
                sumGammaJ += g.gammaJ()[k];
                sumLedger += g.ledger()[k];
                ledgerError = Math.max(ledgerError, Math.abs(g.ledger()[k] - gamma));
                sumLog += g.logGap()[k];
                sumBrier += g.brierGap()[k];
            }
        }
        if (next != p.tokens()) {
            throw new IllegalStateException("sweep gap " + p.key() + ": the token ranges hold " + next + " tokens, not "
                    + p.tokens());
        }
        double n = p.tokens();
        double bound = (h - 1) * Math.log(v);
        double gamma = sumGamma / n;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("gamma", gamma);
        r.put("gammaMin", minGamma);
        r.put("gammaMax", maxGamma);
        r.put("gammaJ", sumGammaJ / n);
        r.put("bound", bound);
        r.put("gammaRatio", bound > 0 ? gamma / bound : Double.NaN);
        r.put("ledger", sumLedger / n);
        r.put("ledgerError", ledgerError);
        r.put("logGap", sumLog / n);
        double brierGap = sumBrier / n;
        r.put("brierGap", Double.isNaN(brierGap) ? null : brierGap); // NaN: the spec skipped the Brier gap
        r.put("nonFinite", 0L);
        r.put("seconds", seconds);
        r.put("logitsPerSec", p.size() / seconds);
        return r;
    }

    /** The grid's points as RunLoop input (their key maps), in grid order. */
    public static List<Map<String, Object>> keys(Collection<Point> points) {
        return points.stream().map(Point::key).toList();
    }

    /** Rebuilds a point from its key map (as given to the RunLoop). */
    public static Point point(Map<String, ?> key) {
        return new Point(SweepLaw.valueOf((String) key.get("law")), ((Number) key.get("V")).intValue(),
                ((Number) key.get("H")).intValue(), ((Number) key.get("tokens")).intValue(),
                ((Number) key.get("sigma")).doubleValue(),
                key.get("margin") == null ? null : ((Number) key.get("margin")).doubleValue(),
                key.get("rho") == null ? null : ((Number) key.get("rho")).doubleValue(),
                ((Number) key.get("T")).doubleValue(), ((Number) key.get("seed")).longValue());
    }

    /** Files the plots are written to. */
    public static final String GAMMA_PNG = "gamma-vs-V.png";
    public static final String RATIO_PNG = "gamma-ratio-vs-V.png";

    /**
     * Writes the two plots from the recorded rows: Gamma against V for each series (H and whatever else
     * varies), averaged over seeds and token counts, with the dashed (H-1) ln V line per H; and
     * Gamma / ((H-1) ln V) against V. Log x axes.
     */
    public static List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
        List<String> varying = new ArrayList<>();
        for (String k : List.of("law", "sigma", "margin", "rho", "T", "H")) {
            if (rows.stream().map(r -> String.valueOf(r.get(k))).distinct().count() > 1 || k.equals("H")) {
                varying.add(k);
            }
        }
        // series label -> V -> [sum gamma, sum ratio, n]
        Map<String, TreeMap<Integer, double[]>> series = new LinkedHashMap<>();
        Map<Integer, TreeMap<Integer, Boolean>> boundV = new TreeMap<>();
        Map<String, Integer> headsOf = new LinkedHashMap<>();
        Map<Integer, String> firstOfH = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            StringBuilder label = new StringBuilder();
            for (String k : varying) {
                Object val = r.get(k);
                if (val == null) {
                    continue;
                }
                label.append(label.isEmpty() ? "" : " ").append(k).append('=').append(k.equals("law") ? val : Table1.num(val));
            }
            int v = ((Number) r.get("V")).intValue();
            int h = ((Number) r.get("H")).intValue();
            headsOf.put(label.toString(), h);
            double[] acc = series.computeIfAbsent(label.toString(), x -> new TreeMap<>()).computeIfAbsent(v, x -> new double[3]);
            acc[0] += PointLog.number(r, "gamma");
            acc[1] += PointLog.number(r, "gammaRatio");
            acc[2]++;
            boundV.computeIfAbsent(h, x -> new TreeMap<>()).put(v, true);
        }
        List<Plots.Series> gamma = new ArrayList<>();
        List<Plots.Series> ratio = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, double[]>> e : series.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] g = e.getValue().values().stream().mapToDouble(a -> a[0] / a[2]).toArray();
            double[] q = e.getValue().values().stream().mapToDouble(a -> a[1] / a[2]).toArray();
            gamma.add(new Plots.Series(e.getKey(), x, g, false));
            firstOfH.putIfAbsent(headsOf.get(e.getKey()), e.getKey());
            ratio.add(new Plots.Series(e.getKey(), x, q, false));
        }
        for (Map.Entry<Integer, TreeMap<Integer, Boolean>> e : boundV.entrySet()) {
            int h = e.getKey();
            if (h == 1) {
                continue;
            }
            double[] x = e.getValue().keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = (h - 1) * Math.log(x[i]);
            }
            // the bound of H in the colour of (the first) measured series with that H
            gamma.add(new Plots.Series("(H-1) ln V, H=" + h, x, y, true, firstOfH.get(h)));
        }
        Plots.lineLogX(run.file(GAMMA_PNG), "Jensen gap of logit summation", "vocabulary size V", "Gamma (mean over tokens)", gamma);
        Plots.lineLogX(run.file(RATIO_PNG), "Gamma / ((H-1) ln V)", "vocabulary size V", "Gamma / ((H-1) ln V)", ratio);
        return List.of(GAMMA_PNG, RATIO_PNG);
    }

    /**
     * Runs (or resumes) a sweep into {@code out} (command {@code "sweep gap"}); see {@link Sweep#run}.
     * {@code stop} is the caller's {@link StopSignal}: keep it installed until everything is printed, so
     * that Ctrl-C waits for the manifest and the plots.
     */
    public static Sweep.Outcome run(java.nio.file.Path out, Grid grid, Backend backend, List<String> commandLine,
                                    Progress.Mode progress, StopSignal stop) {
        return grid.run(out, backend, commandLine, progress, stop);
    }

    /** Number formatting for labels. */
    static final class Table1 {
        private Table1() {}

        static String num(Object o) {
            if (o instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString(d.longValue());
            }
            return String.valueOf(o);
        }
    }

    /**
     * The {@code --scores} option of {@code sweep gap} and {@code bench sweep-gap}: {@code log,brier} (both
     * gaps) or {@code log} (the log gap only: no pair states, no second pass over the draws). Returns whether the Brier gap is
     * wanted; anything else is an InputException naming the option.
     */
    public static boolean brier(List<String> scores) {
        Set<String> s = new LinkedHashSet<>();
        for (String x : scores == null ? List.<String>of() : scores) {
            s.add(x.trim().toLowerCase(java.util.Locale.ROOT));
        }
        if (!s.contains("log") || !Set.of("log", "brier").containsAll(s)) {
            throw new InputException("--scores: expected log or log,brier, got " + String.join(",", scores == null
                    ? List.of() : scores));
        }
        return s.contains("brier");
    }
}
