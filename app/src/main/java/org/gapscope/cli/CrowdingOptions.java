package org.gapscope.cli;

import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.measure.CrowdingSweep.Distribution;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code crowding} and {@code margin} (a picocli mixin): the distractor laws, the N grid,
 * repetitions, seed and mitigations, and their parsing into {@link Law} and {@link Mitigation} values.
 */
public final class CrowdingOptions {

    @Option(names = "--n", split = ",", paramLabel = "N", defaultValue = "10,100,1000,10000,100000,1000000",
            description = "Numbers of scores N (comma-separated; 1e9 is accepted), or A..B:K for K log-spaced values from A to B. Default: ${DEFAULT-VALUE}.")
    List<String> n;

    @Option(names = "--law", split = ",", paramLabel = "LAW", defaultValue = "gaussian",
            description = "Distractor laws: gaussian, gumbel, uniform, exponential, student-t (comma-separated). Default: ${DEFAULT-VALUE}.")
    List<String> law;

    @Option(names = "--mu", defaultValue = "0", paramLabel = "MU",
            description = "Location of gaussian, gumbel and student-t; shift of exponential. Default: ${DEFAULT-VALUE}.")
    double mu;

    @Option(names = "--sigma", split = ",", defaultValue = "1", paramLabel = "SIGMA",
            description = "Scale of gaussian (sigma), gumbel (beta) and student-t; a comma list makes a grid. Default: ${DEFAULT-VALUE}.")
    double[] sigma;

    @Option(names = "--nu", defaultValue = "3", paramLabel = "NU", description = "Student-t degrees of freedom. Default: ${DEFAULT-VALUE}.")
    double nu;

    @Option(names = "--lo", defaultValue = "0", paramLabel = "A", description = "Uniform lower end. Default: ${DEFAULT-VALUE}.")
    double lo;

    @Option(names = "--hi", defaultValue = "1", paramLabel = "B", description = "Uniform upper end. Default: ${DEFAULT-VALUE}.")
    double hi;

    @Option(names = "--rate", defaultValue = "2", paramLabel = "LAMBDA",
            description = "Exponential rate (M is finite for rate > 1). Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--reps", defaultValue = "1000", paramLabel = "R", description = "Repetitions per point. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED",
            description = "Philox seed: the same seed gives the same numbers on every run and backend. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--mitigation", split = ",", defaultValue = "none", paramLabel = "M",
            description = "Mitigations compared on the same draws: none, scalable:C (scores times C ln N), topk:K, temperature:T (comma-separated). Default: ${DEFAULT-VALUE}.")
    List<String> mitigation;

    /** The distractor laws, each law with each of its scales. */
    public List<Distribution> laws() {
        List<Distribution> out = new ArrayList<>();
        for (String raw : law) {
            String name = raw.trim().toLowerCase();
            boolean scaled = switch (name) {
                case "gaussian", "gumbel", "student-t" -> true;
                case "uniform", "exponential" -> false;
                default -> throw new InputException("--law: unknown law '" + raw
                        + "' (expected gaussian, gumbel, uniform, exponential, student-t)");
            };
            double[] scales = scaled ? sigma : new double[] {Double.NaN};
            for (double s : scales) {
                Law l = switch (name) {
                    case "gaussian" -> Law.gaussian(mu, s);
                    case "gumbel" -> Law.gumbel(mu, s);
                    case "student-t" -> Law.studentT(mu, s, nu);
                    case "uniform" -> Law.uniform(lo, hi);
                    default -> Law.exponential(mu, rate);
                };
                out.add(new Distribution(name, l, s));
            }
        }
        return out;
    }

    public List<Long> ns() {
        return parseNs(n);
    }

    /** Parses N values: plain numbers (1e9 allowed) and A..B:K log-spaced ranges. */
    public static List<Long> parseNs(List<String> tokens) {
        List<Long> out = new ArrayList<>();
        for (String raw : tokens) {
            String t = raw.trim();
            try {
                if (t.contains("..")) {
                    String[] ab = t.split("\\.\\.", 2);
                    String[] bk = ab[1].split(":", 2);
                    if (bk.length != 2) {
                        throw new InputException("--n " + t + ": a range is A..B:K (K log-spaced values)");
                    }
                    long a = parseN(ab[0]);
                    long b = parseN(bk[0]);
                    int k = Integer.parseInt(bk[1].trim());
                    if (k < 2 || b <= a) {
                        throw new InputException("--n " + t + ": need B > A and K >= 2");
                    }
                    for (int i = 0; i < k; i++) {
                        long v = Math.round(Math.exp(Math.log(a) + (Math.log(b) - Math.log(a)) * i / (k - 1)));
                        if (out.isEmpty() || out.get(out.size() - 1) != v) {
                            out.add(v);
                        }
                    }
                } else {
                    out.add(parseN(t));
                }
            } catch (NumberFormatException e) {
                throw new InputException("--n: '" + t + "' is not a number");
            }
        }
        if (out.isEmpty()) {
            throw new InputException("--n: no values");
        }
        return out;
    }

    static long parseN(String s) {
        double v = Double.parseDouble(s.trim());
        if (!(v >= 1) || v != Math.rint(v) || v > 9e18) {
            throw new InputException("--n: N must be a whole number >= 1, got " + s.trim());
        }
        return (long) v;
    }

    public List<Mitigation> mitigations() {
        List<Mitigation> out = new ArrayList<>();
        for (String raw : mitigation) {
            String t = raw.trim();
            String[] kv = t.split(":", 2);
            try {
                Mitigation m = switch (kv[0].toLowerCase()) {
                    case "none" -> Mitigation.NONE;
                    case "scalable" -> new Mitigation(Mitigation.Kind.SCALABLE, value(kv, t));
                    case "topk", "top-k" -> {
                        double k = value(kv, t);
                        if (k != Math.rint(k) || k < 1) {
                            throw new InputException("--mitigation " + t + ": k must be a whole number >= 1");
                        }
                        yield new Mitigation(Mitigation.Kind.TOP_K, k);
                    }
                    case "temperature" -> new Mitigation(Mitigation.Kind.TEMPERATURE, value(kv, t));
                    default -> throw new InputException("--mitigation: unknown '" + raw
                            + "' (expected none, scalable:C, topk:K, temperature:T)");
                };
                out.add(m);
            } catch (NumberFormatException e) {
                throw new InputException("--mitigation " + t + ": '" + kv[kv.length - 1]
                        + "' is not a number (e.g. scalable:0.5, topk:16, temperature:2)");
            }
        }
        return out;
    }

    private static double value(String[] kv, String t) {
        if (kv.length != 2) {
            throw new InputException("--mitigation " + t + ": needs a value (e.g. scalable:0.5, topk:16, temperature:2)");
        }
        return Double.parseDouble(kv[1]);
    }
}
