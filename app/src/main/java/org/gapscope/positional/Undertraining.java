package org.gapscope.positional;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gapscope.api.InputException;

/**
 * Positional undertraining (docs/MATH.md section 8, P2 Lemma 2): how often training shows the model a pair of
 * positions at distance Delta.
 *
 * <p>Definitions. A training sequence of length L contains the causal position pairs (i, j) with
 * 0 &le; i &lt; j &lt; L; L - Delta of them are at distance Delta = j - i (1 &le; Delta &le; L-1), L(L-1)/2 in all.
 * With lengths drawn from P(L), the expected count at distance Delta is c(Delta) = sum_L P(L) max(0, L - Delta),
 * and p(Delta) = c(Delta) / sum_Delta' c(Delta') is the frequency of distance Delta among all pairs seen.
 * The window W is the largest length with P(L) &gt; 0, so Delta ranges over 1..W-1. The fraction of
 * pairs in the last half, quarter and tenth of the window is sum_{Delta &gt; t} p(Delta) for t = W/2, 3W/4 and
 * 9W/10 (strict inequality). For a fixed length L and a threshold t this is K(K+1)/2 / (L(L-1)/2) with
 * K = L - 1 - floor(t) ({@link #fixedTailFraction}), close to (1 - t/L)^2: about 1/4, 1/16 and 1/100.
 *
 * <p>Length laws: fixed L; uniform on the integers a..b; log-normal(mu, sigma) discretized to integers
 * (P(L) = Phi((ln(L+1/2) - mu)/sigma) - Phi((ln(L-1/2) - mu)/sigma), L &ge; 1, truncated at W and
 * renormalized; W defaults to ceil(e^{mu + 5 sigma})); or a histogram file of "length count" lines
 * (whitespace or comma separated, '#' comments).
 */
public final class Undertraining {

    /** Largest window handled (arrays of W doubles). */
    public static final int MAX_WINDOW = 100_000_000;

    private final double[] weight; // weight[L] = P(L), L = 0..W
    private final int window;
    private final double[] count; // count[Delta] = c(Delta), Delta = 0..W
    private final double total;

    private Undertraining(double[] weight) {
        int w = weight.length - 1;
        while (w > 0 && weight[w] == 0) {
            w--;
        }
        if (w < 2) {
            throw new InputException("--lengths: the longest sequence must have at least 2 positions");
        }
        this.window = w;
        this.weight = weight;
        // c(Delta) = S1(Delta) - Delta S0(Delta), S0 = sum_{L > Delta} P(L), S1 = sum_{L > Delta} L P(L)
        count = new double[w + 1];
        double s0 = 0;
        double s1 = 0;
        for (int d = w; d >= 1; d--) {
            if (d + 1 <= w) {
                s0 += weight[d + 1];
                s1 += (double) (d + 1) * weight[d + 1];
            }
            count[d] = s1 - d * s0;
        }
        double t = 0;
        for (int d = 1; d < w; d++) {
            t += count[d];
        }
        total = t;
    }

    /** The training-length law from a spec: fixed:L, uniform:A:B, lognormal:MU:SIGMA[:W], file:PATH. */
    public static Undertraining parse(String spec) {
        String[] p = spec.split(":", 2);
        String kind = p[0].trim().toLowerCase();
        String rest = p.length > 1 ? p[1] : "";
        try {
            return switch (kind) {
                case "fixed" -> fixed(parseLength(rest));
                case "uniform" -> {
                    String[] ab = rest.split(":");
                    if (ab.length != 2) {
                        throw new InputException("--lengths uniform:A:B: expected two lengths, got '" + rest + "'");
                    }
                    yield uniform(parseLength(ab[0]), parseLength(ab[1]));
                }
                case "lognormal" -> {
                    String[] ms = rest.split(":");
                    if (ms.length < 2 || ms.length > 3) {
                        throw new InputException("--lengths lognormal:MU:SIGMA[:W]: got '" + rest + "'");
                    }
                    double mu = Double.parseDouble(ms[0]);
                    double sigma = Double.parseDouble(ms[1]);
                    yield logNormal(mu, sigma, ms.length == 3 ? parseLength(ms[2]) : -1);
                }
                case "file" -> histogram(Path.of(rest));
                default -> throw new InputException("--lengths: unknown law '" + kind
                        + "' (expected fixed:L, uniform:A:B, lognormal:MU:SIGMA[:W] or file:PATH)");
            };
        } catch (NumberFormatException e) {
            throw new InputException("--lengths " + spec + ": not a number: " + e.getMessage());
        }
    }

    static int parseLength(String s) {
        double v = Double.parseDouble(s.trim());
        if (!(v >= 1) || v != Math.rint(v) || v > MAX_WINDOW) {
            throw new InputException("--lengths: a length must be an integer in [1, " + MAX_WINDOW + "], got " + s);
        }
        return (int) v;
    }

    public static Undertraining fixed(int length) {
        double[] w = new double[length + 1];
        w[length] = 1;
        return new Undertraining(w);
    }

    public static Undertraining uniform(int a, int b) {
        if (b < a) {
            throw new InputException("--lengths uniform:A:B: B must be >= A, got " + a + ", " + b);
        }
        double[] w = new double[b + 1];
        for (int l = a; l <= b; l++) {
            w[l] = 1.0 / (b - a + 1);
        }
        return new Undertraining(w);
    }

    public static Undertraining logNormal(double mu, double sigma, int maxLength) {
        if (!(sigma > 0) || !Double.isFinite(mu) || !Double.isFinite(sigma)) {
            throw new InputException("--lengths lognormal: need finite MU and SIGMA > 0, got " + mu + ", " + sigma);
        }
        double wd = maxLength > 0 ? maxLength : Math.ceil(Math.exp(mu + 5 * sigma));
        if (!(wd >= 2) || wd > MAX_WINDOW) {
            throw new InputException("--lengths lognormal: window " + wd + " outside [2, " + MAX_WINDOW + "]; give :W");
        }
        int w = (int) wd;
        double[] p = new double[w + 1];
        double sum = 0;
        for (int l = 1; l <= w; l++) {
            double hi = normalCdf((Math.log(l + 0.5) - mu) / sigma);
            double lo = normalCdf((Math.log(l - 0.5) - mu) / sigma);
            p[l] = Math.max(0, hi - lo);
            sum += p[l];
        }
        if (!(sum > 0)) {
            throw new InputException("--lengths lognormal: no probability mass on lengths 1.." + w);
        }
        for (int l = 1; l <= w; l++) {
            p[l] /= sum;
        }
        return new Undertraining(p);
    }

    public static Undertraining histogram(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new InputException("--lengths file:" + file + ": cannot read: " + e.getMessage());
        }
        java.util.TreeMap<Integer, Double> counts = new java.util.TreeMap<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            String t = line.strip();
            int hash = t.indexOf('#');
            if (hash >= 0) {
                t = t.substring(0, hash).strip();
            }
            if (t.isEmpty()) {
                continue;
            }
            String[] parts = t.split("[,\\s]+");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException("expected 'length count'");
                }
                int l = parseLength(parts[0]);
                double c = Double.parseDouble(parts[1]);
                if (!(c >= 0) || Double.isInfinite(c)) {
                    throw new NumberFormatException("count must be finite and >= 0");
                }
                counts.merge(l, c, Double::sum);
            } catch (NumberFormatException | InputException e) {
                throw new InputException("--lengths file:" + file + " line " + lineNo + ": " + e.getMessage());
            }
        }
        double sum = counts.values().stream().mapToDouble(Double::doubleValue).sum();
        if (counts.isEmpty() || !(sum > 0)) {
            throw new InputException("--lengths file:" + file + ": no lengths with a positive count");
        }
        double[] w = new double[counts.lastKey() + 1];
        counts.forEach((l, c) -> w[l] = c / sum);
        return new Undertraining(w);
    }

    /** Standard normal CDF, Phi(z) = erfc(-z / sqrt 2) / 2. */
    static double normalCdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /**
     * erfc from its two textbook expansions: the Maclaurin series of erf for |x| &lt; 3 (terms peak near
     * 9^9/9! ~ 1e3, so about 3 of the 16 digits cancel: absolute error ~1e-13) and, for x &ge; 3, the
     * continued fraction e^{-x^2}/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) evaluated backwards
     * from 80 levels (ample at x &ge; 3: relative error at round-off level).
     */
    static double erfc(double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        double ax = Math.abs(x);
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            double erf = 2 / Math.sqrt(Math.PI) * sum;
            return x >= 0 ? 1 - erf : 1 + erf;
        }
        double f = ax;
        for (int n = 80; n >= 1; n--) {
            f = ax + (n / 2.0) / f;
        }
        double tail = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return x >= 0 ? tail : 2 - tail;
    }

    /** The window W (largest length with positive probability). */
    public int window() {
        return window;
    }

    /** p(Delta); 0 outside 1..W-1. */
    public double p(double delta) {
        if (delta != Math.rint(delta) || delta < 1 || delta >= window) {
            return 0.0;
        }
        return count[(int) delta] / total;
    }

    /** Fraction of pairs with Delta &gt; t. */
    public double tailFraction(double t) {
        double s = 0;
        int from = Math.max(1, (int) Math.floor(t) + 1);
        for (int d = from; d < window; d++) {
            s += count[d];
        }
        return s / total;
    }

    /** Mean distance sum_Delta Delta p(Delta). */
    public double meanDelta() {
        double s = 0;
        for (int d = 1; d < window; d++) {
            s += d * count[d];
        }
        return s / total;
    }

    /** Closed form for a fixed length L: share of the L(L-1)/2 pairs with Delta &gt; t. */
    public static double fixedTailFraction(int length, double t) {
        long k = Math.max(0, length - 1 - (long) Math.floor(t));
        return (double) k * (k + 1) / 2 / ((double) length * (length - 1) / 2);
    }
}
