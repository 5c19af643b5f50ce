package org.gapscope.reproduce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gapscope.api.Backend;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;
import org.gapscope.example.MicroTransformer;

/**
 * Computes every checkable number of the two papers (P1: Karpowicz 2025; P2: Mohsin et al. 2025) and
 * renders docs/REPRODUCTION.md. Each {@link Row} says where the number is, what the paper prints, what
 * gapscope computes and whether they agree. The document is a pure function of the engine's code: the
 * default backend is the FP64 reference, and every number is printed to a fixed number of decimals, so
 * regenerating it gives the same bytes.
 */
public final class Reproduction {
    private Reproduction() {}

    public enum Status {
        REPRODUCED("reproduced"), DIFFERS("differs"), NOT_CHECKABLE("not checkable");

        public final String label;

        Status(String label) {
            this.label = label;
        }
    }

    /** One number: printed is "-" when the paper prints none we could compare with. */
    public record Row(String where, String quantity, String printed, String computed, Status status, String why) {}

    /** A section of the document: a heading, an introduction and its rows. */
    public record Section(String title, String intro, List<Row> rows) {}

    public static List<Section> sections(Backend backend) {
        List<Section> s = new ArrayList<>();
        MicroTransformer.Result micro = MicroTransformer.run(backend);
        s.add(microPrinted(micro));
        s.add(microComputed(micro));
        s.add(theorem4(backend, micro));
        return s;
    }

    static String f(double x, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", x);
    }

    static String vec(double[] x, int decimals) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < x.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(f(x[i], decimals));
        }
        return sb.append(']').toString();
    }

    static Section microPrinted(MicroTransformer.Result r) {
        List<Row> rows = new ArrayList<>();
        for (MicroTransformer.Check c : r.checks()) {
            Status st = c.status() == MicroTransformer.Status.REPRODUCED ? Status.REPRODUCED : Status.DIFFERS;
            String why = st == Status.REPRODUCED ? c.note()
                    : c.note() + "; off by " + f(c.difference(), 4) + ", more than half a unit of the printed last digit";
            rows.add(new Row(c.where(), c.quantity(), f(c.printed(), c.decimals()), f(c.computed(), 4), st, why));
        }
        return new Section("P1 section 7: the micro-transformer, numbers the paper prints",
                "Inputs as printed (MATH.md section 6). A number is *reproduced* when the computed value rounds to "
                        + "the printed one (within half a unit of its last printed digit).", rows);
    }

    static Section microComputed(MicroTransformer.Result r) {
        List<Row> rows = new ArrayList<>();
        String where = "P1 section 7 (end to end)";
        String nc = "the paper's value is not among the inputs we have (MATH.md section 6)";
        MicroTransformer.Heads h = r.heads();
        for (int k = 0; k < 2; k++) {
            rows.add(new Row(where, "attention weights of head " + (k + 1) + " at t = 3", "-",
                    vec(h.attentionWeights()[k], 4), Status.NOT_CHECKABLE, nc));
            rows.add(new Row(where, "head output h_t of head " + (k + 1), "-", vec(h.headOutputs()[k], 4),
                    Status.NOT_CHECKABLE, nc));
            rows.add(new Row(where, "head logits l^(" + (k + 1) + ") from the weights", "-", vec(h.headLogits()[k], 4),
                    Status.NOT_CHECKABLE, "W_O needs one leading zero column to compose with U = E^T"));
        }
        MicroTransformer.Variant p = r.printed();
        MicroTransformer.Variant e = r.endToEnd();
        rows.add(new Row("P1 section 7", "pi^(1) (head 1 distribution)", "-", vec(p.pi1(), 4), Status.NOT_CHECKABLE, nc));
        rows.add(new Row("P1 section 7", "pi^(2) (head 2 distribution)", "-", vec(p.pi2(), 4), Status.NOT_CHECKABLE, nc));
        rows.add(new Row("P1 section 7", "uniform mixture (pi^(1) + pi^(2)) / 2", "-", vec(p.uniformMixture(), 4),
                Status.NOT_CHECKABLE, nc));
        rows.add(new Row("P1 eq. 79-82", "P alpha (projection of Pi on the heads' span)", "-",
                vec(p.attribution().projection(), 4), Status.NOT_CHECKABLE, nc));
        rows.add(new Row("P1 eq. 79-82", "d = (I - P P^+) Pi", "-", vec(p.attribution().residual(), 4),
                Status.NOT_CHECKABLE, nc));
        rows.add(new Row("P1 eq. 79-82", "||d||_2", "-", f(p.attribution().residualNorm(), 4), Status.NOT_CHECKABLE, nc));
        rows.add(new Row(where, "Gamma with the feed-forward logits, end to end", "1.9", f(e.gammaWithFfn(), 4),
                Math.abs(e.gammaWithFfn() - 1.9) <= 0.05 ? Status.REPRODUCED : Status.DIFFERS,
                "head logits from the weights, final logits L as printed"));
        rows.add(new Row(where, "alpha = P^+ Pi, end to end", "[0.54, 0.51]", vec(e.attribution().alpha(), 4),
                Status.DIFFERS, "the exact pseudoinverse does not give the printed weights either way"));
        return new Section("P1 section 7: quantities computed along the way",
                "Intermediate quantities, as printed and end to end from the weights. Where the paper's value is "
                        + "not among our inputs the row is *not checkable* and only pins what gapscope computes.", rows);
    }

    static Section theorem4(Backend backend, MicroTransformer.Result r) {
        List<Row> rows = new ArrayList<>();
        double[] l = new double[12];
        System.arraycopy(MicroTransformer.L1_PRINTED, 0, l, 0, 6);
        System.arraycopy(MicroTransformer.L2_PRINTED, 0, l, 6, 6);
        Tensor heads = Tensor.of(l, 2, 6);
        for (MixtureGaps.Score score : MixtureGaps.Score.values()) {
            MixtureGaps g = backend.mixtureGaps(heads, new double[] {0.5, 0.5}, MicroTransformer.FOX, score, Double.NaN);
            String name = score.name().toLowerCase(Locale.ROOT);
            boolean concaveClaim = score != MixtureGaps.Score.SPHERICAL;
            rows.add(new Row("P1 Theorem 4", name + " score gap Gamma_S (y* = fox, beta = 1/2)",
                    concaveClaim ? ">= 0" : "-", f(g.gap(), 6),
                    concaveClaim ? (g.gap() >= 0 ? Status.REPRODUCED : Status.DIFFERS) : Status.NOT_CHECKABLE,
                    concaveClaim ? "S(Pi, y*) is concave in Pi, so the mixture scores at least the average"
                            : "the spherical score is not concave in general: the sign is reported, not assumed"));
            double split = g.mixtureLoss() + g.gap();
            rows.add(new Row("P1 eq. 53", name + ": sum_h p_h = [c - S(Pi, y*)] + Gamma_S", "identity",
                    f(g.sumContributions(), 6) + " = " + f(g.mixtureLoss(), 6) + " + " + f(g.gap(), 6),
                    Math.abs(split - g.sumContributions()) < 1e-12 ? Status.REPRODUCED : Status.DIFFERS,
                    "c = max_{h,y} S(pi^(h), y) = " + f(g.c(), 6)));
        }
        return new Section("P1 Theorems 3-4: score gaps of the uniform mixture in the example",
                "Head distributions from the printed head logits, equal weights, observed token fox.", rows);
    }

    /** The whole document. */
    public static String markdown(Backend backend) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Reproduction of the papers' numbers\n\n");
        sb.append("Generated by `scripts/gapscope reproduce` on the `").append(backend.name())
                .append("` backend; do not edit by hand (a test fails when this file differs from what the command "
                        + "writes). P1: M. P. Karpowicz, *On the Fundamental Impossibility of Hallucination Control in "
                        + "Large Language Models* (2025). P2: M. A. Mohsin et al., *On the Fundamental Limits of LLMs "
                        + "at Scale* (2025). What is computed is specified in MATH.md.\n\n");
        sb.append("Status: **reproduced** (agrees within the printed rounding, or the stated claim holds), "
                + "**differs** (with the reason), **not checkable** (the paper's value or an input is missing; the "
                + "computed value is pinned by the tests).\n\n");
        List<Section> sections = sections(backend);
        int[] counts = new int[Status.values().length];
        for (Section s : sections) {
            for (Row r : s.rows()) {
                counts[r.status().ordinal()]++;
            }
        }
        sb.append("Summary: ").append(counts[0]).append(" reproduced, ").append(counts[1]).append(" differ, ")
                .append(counts[2]).append(" not checkable.\n");
        for (Section s : sections) {
            sb.append("\n## ").append(s.title()).append("\n\n").append(s.intro()).append("\n\n");
            sb.append("| where | quantity | paper | gapscope | status | why |\n|---|---|---|---|---|---|\n");
            for (Row r : s.rows()) {
                sb.append("| ").append(esc(r.where())).append(" | ").append(esc(r.quantity())).append(" | ")
                        .append(esc(r.printed())).append(" | ").append(esc(r.computed())).append(" | ")
                        .append(r.status().label).append(" | ").append(esc(r.why())).append(" |\n");
            }
        }
        return sb.toString();
    }

    static String esc(String s) {
        return s.replace("|", "\\|");
    }
}
