package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.example.MicroTransformer;
import org.gapscope.measure.JsonValues;
import picocli.CommandLine.Command;

@Command(name = "example", mixinStandardHelpOptions = true, description = "Worked examples from the papers (subcommand: micro).",
        subcommands = {ExampleCommand.Micro.class})
public final class ExampleCommand extends GroupCommand {

    @Command(name = "micro", mixinStandardHelpOptions = true,
            description = {"The micro-transformer of P1 section 7, as printed and end to end from its weights.",
                "Every number the paper prints next to the computed one (docs/MATH.md section 6)."})
    public static final class Micro extends BaseCommand {
        @Override
        public Integer call() {
            Backend backend = common.selectBackend();
            MicroTransformer.Result r = MicroTransformer.run(backend);
            print(common.json() ? json(r, backend) : table(r, backend));
            return 0;
        }

        static String json(MicroTransformer.Result r, Backend backend) {
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("backend", backend.name());
            top.put("vocabulary", MicroTransformer.VOCAB);
            top.put("endToEndHeads", r.heads());
            top.put("asPrinted", r.printed());
            top.put("endToEnd", r.endToEnd());
            List<Map<String, Object>> checks = new ArrayList<>();
            for (MicroTransformer.Check c : r.checks()) {
                checks.add(JsonValues.object("quantity", c.quantity(), "where", c.where(), "printed", c.printed(),
                        "computed", c.computed(), "difference", c.difference(), "status",
                        c.status().name().toLowerCase(), "note", c.note()));
            }
            top.put("checks", checks);
            return Json.write(top) + "\n";
        }

        static String table(MicroTransformer.Result r, Backend backend) {
            StringBuilder sb = new StringBuilder();
            sb.append("Micro-transformer of P1 section 7, backend ").append(backend.name()).append('\n');
            sb.append("vocabulary ").append(String.join(" ", MicroTransformer.VOCAB)).append("\n\n");
            Table heads = new Table("head", "attention weights at t", "head output h_t", "head logits (end to end)");
            for (int h = 0; h < 2; h++) {
                heads.row(h + 1, vec(r.heads().attentionWeights()[h]), vec(r.heads().headOutputs()[h]),
                        vec(r.heads().headLogits()[h]));
            }
            sb.append(heads).append('\n');
            Table v = new Table("quantity", "as printed", "end to end");
            MicroTransformer.Variant a = r.printed();
            MicroTransformer.Variant e = r.endToEnd();
            v.row("pi^(1)", vec(a.pi1()), vec(e.pi1()));
            v.row("pi^(2)", vec(a.pi2()), vec(e.pi2()));
            v.row("Pi = softmax(L printed)", vec(a.aggregate()), vec(e.aggregate()));
            v.row("uniform mixture", vec(a.uniformMixture()), vec(e.uniformMixture()));
            v.row("Gamma with FFN logits", a.gammaWithFfn(), e.gammaWithFfn());
            v.row("Gamma (Theorem 5, L = l1 + l2)", a.gammaTheorem5(), e.gammaTheorem5());
            v.row("alpha = P^+ Pi", vec(a.attribution().alpha()), vec(e.attribution().alpha()));
            v.row("P alpha", vec(a.attribution().projection()), vec(e.attribution().projection()));
            v.row("||d||", a.attribution().residualNorm(), e.attribution().residualNorm());
            v.row("log-score gap (y* = fox)", a.logGaps().gap(), e.logGaps().gap());
            v.row("Brier gap (y* = fox)", a.brierGaps().gap(), e.brierGaps().gap());
            sb.append(v).append('\n');
            Table c = new Table("paper prints", "value", "computed", "difference", "status");
            for (MicroTransformer.Check k : r.checks()) {
                c.row(k.quantity(), String.format("%." + k.decimals() + "f", k.printed()), k.computed(),
                        k.difference(), k.status().name().toLowerCase());
            }
            sb.append(c);
            return sb.toString();
        }

        static String vec(double[] x) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < x.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(String.format("%.4f", x[i]));
            }
            return sb.append(']').toString();
        }
    }
}
