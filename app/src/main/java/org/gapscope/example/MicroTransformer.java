package org.gapscope.example;

import java.util.ArrayList;
import java.util.List;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Attribution;
import org.gapscope.api.Backend;
import org.gapscope.api.GapResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;

/**
 * The micro-transformer of P1 section 7 (Karpowicz 2025; docs/MATH.md section 6), computed two ways:
 * <ol>
 *   <li><b>as printed</b>: the paper's head logits l^(1), l^(2) and final logits L taken as data;</li>
 *   <li><b>end to end</b>: from X0 and the printed weights. The printed W_O are 2x4 while the unembedding
 *       U = E^T is 5x6, so the shapes do not compose. The smallest correction that does, and that makes
 *       head 1 vote for <i>fox</i> and head 2 for <i>dog</i> as the text says, is one zero column put in
 *       <i>front</i> of each W_O (model dimension c of the printed matrix becomes embedding dimension
 *       c + 1). Appending the zero column instead would make the heads vote for <i>brown</i> and
 *       <i>fox</i>, contradicting the text.</li>
 * </ol>
 * Every number the paper prints is listed in {@link #checks} with the computed value and a status.
 */
public final class MicroTransformer {
    private MicroTransformer() {}

    public static final String[] VOCAB = {"<PAD>", "The", "quick", "brown", "fox", "dog"};
    public static final int FOX = 4;
    public static final int DOG = 5;
    /** Query position: "The quick brown", t = 3 in the paper's 1-based count. */
    public static final int T = 2;

    public static final double[][] X0 = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
    public static final double[][] WQ1 = {{0, 0}, {0, 0}, {0, 1}, {0, 0}};
    public static final double[][] WV1 = {{0, 0}, {0, 0}, {0, 3}, {0, 0}};
    public static final double[][] WQ2 = {{0, 0}, {0, 0}, {1, 0}, {0, 0}};
    public static final double[][] WV2 = {{0, 0}, {0, 0}, {1.2, 0}, {0, 0}};
    public static final double[][] WO1 = {{0, 0, 0, 0}, {0, 0, 1, 0}};
    public static final double[][] WO2 = {{0, 0, 0, 1}, {0, 0, 0, 0}};

    public static final double[] L1_PRINTED = {0, 0, 0, 0, 1.5, 0};
    public static final double[] L2_PRINTED = {0, 0, 0, 0, 0, 0.6};
    public static final double[] L_PRINTED = {0, -0.03, 0.21, 0.13, 1.31, 0.52};
    public static final double[] PI_PRINTED = {0.1, 0.1, 0.13, 0.12, 0.38, 0.17};

    public enum Status { REPRODUCED, DIFFERS }

    /**
     * One printed number: where it is, what is printed (with the decimals it is printed to), what
     * gapscope computes, and whether they agree within the printed rounding (|computed - printed| &le;
     * half a unit in the last printed place).
     */
    public record Check(String quantity, String where, double printed, int decimals, double computed,
                        Status status, String note) {
        static Check of(String quantity, String where, double printed, int decimals, double computed, String note) {
            double half = 0.5 * Math.pow(10, -decimals) + 1e-12;
            Status s = Math.abs(computed - printed) <= half ? Status.REPRODUCED : Status.DIFFERS;
            return new Check(quantity, where, printed, decimals, computed, s, note);
        }

        public double difference() {
            return computed - printed;
        }
    }

    /** Everything computed for one way (as printed / end to end). */
    public record Variant(String name, double[] headLogits1, double[] headLogits2, double[] pi1, double[] pi2,
                          double[] aggregate, double gammaWithFfn, double gammaTheorem5, double[] uniformMixture,
                          Attribution attribution, MixtureGaps logGaps, MixtureGaps brierGaps) {}

    /** The end-to-end attention part: weights and outputs per head at position t. */
    public record Heads(double[][] attentionWeights, double[][] headOutputs, double[][] blockOutputs,
                        double[][] headLogits) {}

    public record Result(Heads heads, Variant printed, Variant endToEnd, List<Check> checks) {}

    public static Result run(Backend backend) {
        Heads heads = heads(backend);
        Variant printed = variant(backend, "as printed", L1_PRINTED, L2_PRINTED);
        Variant e2e = variant(backend, "end to end", heads.headLogits()[0], heads.headLogits()[1]);
        List<Check> checks = new ArrayList<>();
        String s7 = "P1 section 7";
        checks.add(Check.of("l^(1)_fox (head 1 logit for fox)", s7, 1.5, 1, heads.headLogits()[0][FOX],
                "end to end: 3 x attention weight of 'brown' (" + fmt(heads.attentionWeights()[0][T]) + ")"));
        checks.add(Check.of("l^(2)_dog (head 2 logit for dog)", s7, 0.6, 1, heads.headLogits()[1][DOG],
                "end to end: 1.2 x attention weight of 'brown'"));
        for (int y = 0; y < VOCAB.length; y++) {
            checks.add(Check.of("Pi_" + VOCAB[y] + " = softmax(L)_" + VOCAB[y], s7, PI_PRINTED[y], 2,
                    printed.aggregate()[y], "from the printed final logits L"));
        }
        checks.add(Check.of("Gamma with the feed-forward logits (log Z of the printed L)", s7 + ", Theorem 5", 1.9, 1,
                printed.gammaWithFfn(), "sum_h log Z_h - log Z(L), L as printed"));
        checks.add(Check.of("Gamma by Theorem 5's definition (L = l^(1) + l^(2))", s7 + ", Theorem 5", 1.9, 1,
                printed.gammaTheorem5(), "aggregate without the feed-forward logits"));
        checks.add(Check.of("pi^(1)_fox", s7, 0.48, 2, printed.pi1()[FOX], "softmax of the printed l^(1)"));
        checks.add(Check.of("pi^(2)_dog", s7, 0.265, 3, printed.pi2()[DOG], "softmax of the printed l^(2)"));
        checks.add(Check.of("uniform mixture, fox", s7, 0.31, 2, printed.uniformMixture()[FOX],
                "(pi^(1)_fox + pi^(2)_fox) / 2"));
        checks.add(Check.of("alpha_1 = (P^+ Pi)_1", s7 + ", eq. 79-82", 0.54, 2, printed.attribution().alpha()[0],
                "Pi = softmax(printed L), exact Moore-Penrose pseudoinverse"));
        checks.add(Check.of("alpha_2 = (P^+ Pi)_2", s7 + ", eq. 79-82", 0.51, 2, printed.attribution().alpha()[1],
                "Pi = softmax(printed L), exact Moore-Penrose pseudoinverse"));
        checks.add(Check.of("Pi-hat_fox = (P alpha)_fox", s7 + ", eq. 79-82", 0.33, 2,
                printed.attribution().projection()[FOX], "with the exact alpha; the printed alpha gives "
                        + fmt(0.54 * printed.pi1()[FOX] + 0.51 * printed.pi2()[FOX])));
        return new Result(heads, printed, e2e, checks);
    }

    static String fmt(double d) {
        return String.format("%.4f", d);
    }

    /** Attention of both heads from X0 and the weights, with the corrected W_O and U = E^T. */
    public static Heads heads(Backend backend) {
        double[][][] wq = {WQ1, WQ2};
        double[][][] wv = {WV1, WV2};
        double[][][] wo = {WO1, WO2};
        double[][] weights = new double[2][];
        double[][] outputs = new double[2][];
        double[][] block = new double[2][];
        double[][] logits = new double[2][];
        for (int h = 0; h < 2; h++) {
            double[][] q = matmul(X0, wq[h]);
            double[][] k = matmul(X0, wq[h]); // W_K = W_Q in the example
            double[][] v = matmul(X0, wv[h]);
            int dk = q[0].length;
            AttentionResult r = backend.attention(tensor(q), tensor(k), tensor(v), 1.0 / Math.sqrt(dk),
                    MaskAlignment.TOP_LEFT);
            outputs[h] = r.out().toDoubles((long) T * dk, dk);
            // the attention weights at t: softmax of the scaled scores, recovered with the returned LSE
            double lse = r.lse().get(T);
            weights[h] = new double[X0.length];
            for (int j = 0; j <= T; j++) {
                double dot = 0;
                for (int c = 0; c < dk; c++) {
                    dot += q[T][c] * k[j][c];
                }
                weights[h][j] = Math.exp(dot / Math.sqrt(dk) - lse);
            }
            double[] o = matmul(new double[][] {outputs[h]}, wo[h])[0];
            block[h] = new double[5];
            System.arraycopy(o, 0, block[h], 1, 4); // the correction: model dim c -> embedding dim c + 1
            logits[h] = new double[VOCAB.length];
            for (int y = 1; y < VOCAB.length; y++) {
                logits[h][y] = block[h][y - 1]; // U = E^T with one-hot rows: token y reads dimension y - 1
            }
        }
        return new Heads(weights, outputs, block, logits);
    }

    static Variant variant(Backend backend, String name, double[] l1, double[] l2) {
        int v = l1.length;
        double[] stacked = new double[2 * v];
        System.arraycopy(l1, 0, stacked, 0, v);
        System.arraycopy(l2, 0, stacked, v, v);
        Tensor heads = Tensor.of(stacked, 2, v);
        double[] ffn = new double[v];
        for (int y = 0; y < v; y++) {
            ffn[y] = L_PRINTED[y] - l1[y] - l2[y];
        }
        GapResult withFfn = backend.jensenGap(heads, Tensor.of(ffn, v), new int[] {FOX});
        GapResult plain = backend.jensenGap(heads, null, new int[] {FOX});
        double[] probs = backend.softmax(heads, 1.0).toDoubles();
        double[] pi1 = java.util.Arrays.copyOfRange(probs, 0, v);
        double[] pi2 = java.util.Arrays.copyOfRange(probs, v, 2 * v);
        double[] aggregate = backend.softmax(Tensor.of(L_PRINTED.clone(), 1, v), 1.0).toDoubles();
        double[] mix = new double[v];
        for (int y = 0; y < v; y++) {
            mix[y] = 0.5 * (pi1[y] + pi2[y]);
        }
        Attribution a = backend.attribution(new double[][] {pi1, pi2}, aggregate);
        double[] beta = {0.5, 0.5};
        MixtureGaps log = backend.mixtureGaps(heads, beta, FOX, MixtureGaps.Score.LOG, Double.NaN);
        MixtureGaps brier = backend.mixtureGaps(heads, beta, FOX, MixtureGaps.Score.BRIER, Double.NaN);
        return new Variant(name, l1, l2, pi1, pi2, aggregate, withFfn.gamma()[0], plain.gamma()[0], mix, a, log, brier);
    }

    static double[][] matmul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    static Tensor tensor(double[][] m) {
        double[] flat = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, flat, i * m[0].length, m[0].length);
        }
        return Tensor.of(flat, m.length, m[0].length);
    }
}
