package org.gapscope.tests;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.SweepLaw;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.cli.Main;
import org.gapscope.cpu.CpuBackend;

/**
 * The child JVM of {@link CpuDeterminismTest}: runs the cpu backend's ops {@code reps} times on fixed
 * inputs and writes to DIR/results.txt, per op, {@code result op digest[,digest...]}: the distinct SHA-256 digests of the
 * results' raw bits over the repetitions (one, when the op is deterministic), and the same for a small
 * {@code sweep gap}'s points. The shapes are small enough for
 * -Xint and large enough (with the repetitions) that C2 compiles the vector loops in a default JVM.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {}

    /**
     * The cpu backend's limit of heads with pair states in the probe's JVM (-Dgapscope.sweepPairHeads): few,
     * so that the sweep on one head more runs the second pass on shapes small enough for -Xint.
     */
    static final int PAIR_HEADS = 8;

    static String digest(double[]... arrays) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (double[] a : arrays) {
            ByteBuffer b = ByteBuffer.allocate(8 * a.length);
            for (double v : a) {
                b.putLong(Double.doubleToRawLongBits(v));
            }
            md.update(b.array());
        }
        return HexFormat.of().formatHex(md.digest(), 0, 12);
    }

    static String digest(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 12);
    }

    /** Distinct digests per op, in order of first appearance. */
    static final Map<String, Set<String>> SEEN = new LinkedHashMap<>();

    static void record(String op, String digest) {
        SEEN.computeIfAbsent(op, o -> new LinkedHashSet<>()).add(digest);
    }

    public static void main(String[] args) throws Exception {
        int reps = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        CpuBackend cpu = new CpuBackend();
        // odd lengths: vector loops and scalar tails
        Tensor x = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(4099, 3.0, 5), 1, 4099);
        Tensor g = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(3 * 4099, 2.0, 6), 1, 3, 4099);
        // FP64 attention (the vector pass over widened inputs), and FP32 attention (the blocked pass): two
        // query blocks, the second partial, two key blocks, the second partial
        Tensor q = EquivalenceTest.tensor(DType.F64, EquivalenceTest.gaussian(2 * 45 * 16, 1.0, 7), 2, 45, 16);
        Tensor k = EquivalenceTest.tensor(DType.F64, EquivalenceTest.gaussian(2 * 45 * 16, 1.0, 8), 2, 45, 16);
        Tensor v = EquivalenceTest.tensor(DType.F64, EquivalenceTest.gaussian(2 * 45 * 16, 1.0, 9), 2, 45, 16);
        Tensor q32 = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 61 * 16, 1.0, 7), 2, 61, 16);
        Tensor k32 = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 83 * 16, 1.0, 8), 2, 83, 16);
        Tensor v32 = EquivalenceTest.tensor(DType.F32, EquivalenceTest.gaussian(2 * 83 * 12, 1.0, 9), 2, 83, 12);
        double[] omegas = new double[16];
        for (int i = 0; i < omegas.length; i++) {
            omegas[i] = Math.pow(10000.0, -i / 16.0);
        }
        double[] deltas = new double[301];
        for (int i = 0; i < deltas.length; i++) {
            deltas[i] = i * 337.25 - 17.5;
        }
        for (int rep = 0; rep < reps; rep++) {
            record("lse", digest(cpu.logSumExp(x, 0.7)));
            record("softmax", digest(cpu.softmax(x, 1.3).toDoubles(),
                    cpu.logSoftmax(x, 0.9).toDoubles()));
            var gap = cpu.jensenGap(g, null, null);
            record("jensenGap", digest(gap.gamma(), gap.logZ(), gap.logZHeads()));
            for (Law law : new Law[] {Law.gaussian(0, 1), Law.gumbel(0, 0.5), Law.exponential(0.5, 2),
                Law.uniform(-1, 2)}) {
                record("crowding-" + law.kind(),
                        digest(cpu.crowding(new CrowdingSpec(2049, 2.5, law, 1, 11L)).logSumDistractors()));
            }
            var att = cpu.attention(q, k, v, 0.25, MaskAlignment.values()[0]);
            record("attention", digest(att.out().toDoubles(), att.lse().toDoubles()));
            var att32 = cpu.attention(q32, k32, v32, 0.25, MaskAlignment.BOTTOM_RIGHT);
            record("attention-f32", digest(att32.out().toDoubles(), att32.lse().toDoubles()));
            record("positional", digest(cpu.positional(omegas, deltas)));
            // the fused sweep: odd V (pairs straddle heads), both noises (correlated), the margin (agree)
            for (SweepLaw law : new SweepLaw[] {SweepLaw.correlated, SweepLaw.agree}) {
                SweepResult sw = cpu.sweepGap(new SweepSpec(law, 2, 1031, 1, 1.3, 3.0, 0.6, 0.7, 5L));
                record("sweepGap-" + law, digest(sw.logZHeads(), sw.logZ(), sw.gamma(), sw.gammaJ(), sw.logGap(),
                        sw.brierGap()));
            }
            // the heads' pair states in whole and part-filled tiles of 4 heads (7 heads), and, one head beyond
            // what keeps them (PAIR_HEADS in this JVM), the second pass that draws the logits again; V = 4099:
            // 9 blocks of y per rep, so that the pair stage (a short loop per block) is hot enough for C2 to
            // compile it by itself well before the last repetition (with 2 blocks it sometimes was not)
            for (int heads : new int[] {7, org.gapscope.cpu.CpuBackend.SWEEP_PAIR_HEADS + 1}) {
                SweepResult sw = cpu.sweepGap(new SweepSpec(SweepLaw.disagree, heads, 4099, 1, 1.3, 3.0, 0, 0.7, 5L));
                record(heads == 7 ? "sweepGap-pairs-H7" : "sweepGap-second-pass", digest(sw.logZHeads(), sw.logZ(),
                        sw.gamma(), sw.gammaJ(), sw.logGap(), sw.brierGap()));
            }
        }
        // a small sweep, through the command line (one run: its points are written once)
        Path out = dir.resolve("sweep");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new String[] {"sweep", "gap", "--backend", "cpu", "--vocab", "4099", "--heads", "3",
            "--tokens", "2", "--law", "correlated", "--progress", "off", "--format", "json", "--out",
            out.toString()}, new PrintWriter(o), new PrintWriter(e));
        if (code != 0) {
            throw new IllegalStateException("sweep gap exited " + code + ": " + e);
        }
        // every value of the rows but the timing columns (seconds, logitsPerSec), which differ from run to run
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder rows = new StringBuilder();
        for (String line : Files.readAllLines(out.resolve("points.jsonl"))) {
            var row = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(line);
            if (row.remove("seconds") == null || row.remove("logitsPerSec") == null) {
                throw new IllegalStateException("a sweep row without its timing columns: " + line);
            }
            rows.append(row).append('\n');
        }
        record("sweep-points", digest(rows.toString()));
        StringBuilder res = new StringBuilder();
        for (Map.Entry<String, Set<String>> r : SEEN.entrySet()) {
            res.append("result ").append(r.getKey()).append(' ').append(String.join(",", r.getValue())).append('\n');
        }
        Files.writeString(dir.resolve("results.txt"), res); // not stdout: the JIT's log may interleave there
    }
}
