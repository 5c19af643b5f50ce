package org.gapscope.measure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.crowding.MarginSolver;
import org.gapscope.crowding.MeanField;
import org.gapscope.measure.CrowdingSweep.Distribution;

/**
 * {@code margin}: the margin s*(N, p) at which the simulated mean of P_N equals p ({@link MarginSolver},
 * common random numbers), next to P2 Corollary 1, over a grid of distractor laws, N, targets p and
 * mitigations.
 *
 * <p>Columns ({@link #COLUMNS}; key: {@code distribution, mitigation, p, n}): {@code n, p, sStar, sFormula,
 * difference, sStarStdErr}, the law's parameters, {@code mitigation}, {@code lnN}, the regime flags and
 * {@code simulations} (backend simulations the solver ran). A point's size for the ETA is N x repetitions.
 *
 * @param distributions the distractor laws, outermost
 * @param ns            the numbers of scores N
 * @param targets       the target probabilities p, each strictly between 0 and 1
 * @param mitigations   the mitigations, innermost
 * @param reps          repetitions per simulation
 * @param seed          the Philox seed
 */
public record MarginSweep(List<Distribution> distributions, List<Long> ns, double[] targets,
                          List<Mitigation> mitigations, int reps, long seed) implements Sweep<MarginSweep.Point> {

    public static final List<String> KEYS = List.of("distribution", "mitigation", "p", "n");

    public static final List<String> COLUMNS = List.of("n", "p", "sStar", "sFormula", "difference", "sStarStdErr",
            "distribution", "law", "mu", "sigma", "lo", "hi", "shift", "rate", "nu", "mitigation", "lnN", "smallN",
            "maxDominates", "simulations");

    public MarginSweep {
        if (reps < 1) {
            throw new InputException("--reps: must be >= 1, got " + reps);
        }
        for (double target : targets) {
            if (!(target > 0 && target < 1)) {
                throw new InputException("--p: the target probability must lie strictly between 0 and 1, got " + target);
            }
        }
    }

    /** One point. */
    public record Point(Distribution distribution, Mitigation mitigation, double p, long n, int reps)
            implements CrowdingSweep.Simulated {
        @Override
        public Map<String, Object> key() {
            return CrowdingSweep.key(distribution, mitigation, "p", p, n, null);
        }
    }

    /** Command {@code margin}, key {@link #KEYS}, columns {@link #COLUMNS}. */
    public static final Layout LAYOUT = new Layout("margin", KEYS, COLUMNS);

    @Override
    public Layout layout() {
        return LAYOUT;
    }

    /** Laws outermost, then N, p, mitigations. */
    @Override
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (Distribution d : distributions) {
            for (long n : ns) {
                for (double target : targets) {
                    for (Mitigation m : mitigations) {
                        out.add(new Point(d, m, target, n, reps));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Map<String, Object> parameters(String backend) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("n", ns);
        params.put("p", Arrays.stream(targets).boxed().toList());
        params.put("distributions", distributions.stream().map(Distribution::label).toList());
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
        Law law = p.distribution().law();
        MarginSolver.Solution sol = MarginSolver.solve(backend, p.n(), p.p(), law, reps, seed, p.mitigation());
        Map<String, Object> r = new LinkedHashMap<>();
        double f = formula(p.n(), p.p(), law, p.mitigation());
        Mitigation m = p.mitigation();
        Law effective = m.kind() == Mitigation.Kind.TOP_K || p.n() <= 1 ? law : MeanField.scaled(law, m.scoreScale(p.n()));
        r.put("sStar", sol.sStar());
        r.put("sFormula", f);
        r.put("difference", sol.sStar() - f);
        r.put("sStarStdErr", sol.stdErr());
        r.put("lnN", Math.log((double) p.n()));
        r.put("smallN", MeanField.smallN(p.n(), effective));
        r.put("maxDominates", MeanField.maxDominates(p.n(), effective));
        r.put("simulations", sol.evaluations());
        return r;
    }

    /** Corollary 1 for the scores that enter the softmax (c X and c s under a multiplicative mitigation). */
    public static double formula(long n, double p, Law law, Mitigation m) {
        if (m.kind() == Mitigation.Kind.TOP_K) {
            return Double.NaN;
        }
        if (n <= 1) {
            return Double.NEGATIVE_INFINITY;
        }
        double c = m.scoreScale(n);
        return MeanField.sFormula(n, p, MeanField.scaled(law, c)) / c;
    }

    /** s* (markers) and Corollary 1 (dashed) against ln N, one pair of curves per distribution, mitigation and p. */
    @Override
    public List<String> plots(RunDirectory run, List<Map<String, Object>> rows) {
        Map<String, List<Map<String, Object>>> curves = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String name = r.get("distribution") + ", " + r.get("mitigation") + ", p=" + CrowdingSweep.num(PointLog.number(r, "p"));
            curves.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        }
        List<Plots.Series> series = new ArrayList<>();
        for (var c : curves.entrySet()) {
            CrowdingSweep.addCurvePair(series, c.getKey(), c.getValue(), "lnN", "s* simulated", "sStar",
                    "Corollary 1", "sFormula");
        }
        Plots.line(run.file(PNG), "s*(N, p) against ln N", "ln N", "s*", series, false, false);
        return List.of(PNG);
    }

    /** The plot's file. */
    public static final String PNG = "margin.png";
}
