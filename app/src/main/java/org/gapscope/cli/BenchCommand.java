package org.gapscope.cli;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.RandomTensors;
import org.gapscope.api.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gapscope bench <op>}: times one op on a backend for given shapes (warm-up, then timed
 * repetitions; median and min), with throughput in GB/s of input read and G exp/s (samples/s for
 * crowding), optionally against a baseline backend timed in the same run. Peer comparisons
 * (scripts/compare-peers) call it with {@code --format json}; the keys medianMs, minMs and gexpPerSec
 * are a contract.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time an op on a backend: warm-up, repetitions, median and min, GB/s and G exp/s.",
            "Ops: lse, softmax, log-softmax, gap, attention, crowding, sweep-gap, mixture-gaps (one token's HxV"
                + " logits, beta_h = 1/H, the log and the Brier score: the two calls of gap --target per token). Inputs are Gaussian (Philox, --seed), F32"
                + " unless --dtype f64; sweep-gap draws its logits inside the op (--law, sigma 1, T 1) and reports"
                + " logits/s. Timings are wall-clock of whole backend calls in this JVM; JMH (bench/) is the tool"
                + " for fine detail."})
public final class BenchCommand extends BaseCommand {

    public enum Op {
        lse, softmax, logSoftmax("log-softmax"), gap, attention, crowding, sweepGap("sweep-gap"),
        mixtureGaps("mixture-gaps");

        private final String cli;

        Op() {
            this.cli = null;
        }

        Op(String cli) {
            this.cli = cli;
        }

        @Override
        public String toString() {
            return cli == null ? name() : cli;
        }

        /** The op named on the command line (its {@link #toString()}). */
        static final class Converter implements picocli.CommandLine.ITypeConverter<Op> {
            @Override
            public Op convert(String value) {
                for (Op o : values()) {
                    if (o.toString().equals(value)) {
                        return o;
                    }
                }
                throw new picocli.CommandLine.TypeConversionException("expected one of lse, softmax, log-softmax, gap, attention,"
                        + " crowding, sweep-gap, mixture-gaps, got '" + value + "'");
            }
        }
    }

    public enum Dt { f32, f64 }

    @Parameters(index = "0", paramLabel = "OP", converter = Op.Converter.class, description = "lse, softmax, log-softmax, gap, attention, crowding, sweep-gap or mixture-gaps.")
    Op op;

    @Option(names = "--batch", paramLabel = "B", description = "Rows (lse, softmax, log-softmax), tokens (gap) or batch (attention). Default: 64 for lse/softmax, 4 for gap, 1 for attention.")
    Integer batch;

    @Option(names = "--vocab", paramLabel = "V", defaultValue = "262144", description = "Vocabulary size V (lse, softmax, gap, sweep-gap, mixture-gaps). Default: ${DEFAULT-VALUE}.")
    int vocab;

    @Option(names = "--heads", paramLabel = "H", defaultValue = "8", description = "Heads (gap, attention, sweep-gap, mixture-gaps). Default: ${DEFAULT-VALUE}.")
    int heads;

    @Option(names = "--seq", paramLabel = "T", defaultValue = "1024", description = "Sequence length T (attention, causal). Default: ${DEFAULT-VALUE}.")
    int seq;

    @Option(names = "--head-dim", paramLabel = "D", defaultValue = "64", description = "Head dimension (attention). Default: ${DEFAULT-VALUE}.")
    int headDim;

    @Option(names = "--n", paramLabel = "N", defaultValue = "10000000", description = "Scores per softmax N (crowding). Default: ${DEFAULT-VALUE}.")
    long n;

    @Option(names = "--crowding-reps", paramLabel = "R", defaultValue = "1", description = "Monte Carlo repetitions per crowding call. Default: ${DEFAULT-VALUE}.")
    int crowdingReps;

    @Option(names = "--law", paramLabel = "L", defaultValue = "gaussian",
            description = "Logit law of sweep-gap: gaussian, identical, correlated (rho 0.5), agree, disagree (margin 4). Default: ${DEFAULT-VALUE}.")
    org.gapscope.api.SweepLaw law;

    @Option(names = "--scores", split = ",", paramLabel = "S", defaultValue = "log,brier",
            description = "Score gaps of sweep-gap: log,brier, or log alone (no Brier gap: neither the heads' pair states nor the second pass). Default: ${DEFAULT-VALUE}.")
    java.util.List<String> scores;

    @Option(names = "--dtype", paramLabel = "T", defaultValue = "f32", description = "f32 or f64 input data. Default: ${DEFAULT-VALUE}.")
    Dt dtype;

    @Option(names = "--warmup", paramLabel = "K", defaultValue = "3", description = "Untimed calls first (at least). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--warmup-ms", paramLabel = "MS", defaultValue = "1000",
            description = "Keep warming up (JIT compilation of the vector loops) until this much time has passed. Default: ${DEFAULT-VALUE}.")
    long warmupMs;

    @Option(names = "--repetitions", paramLabel = "K", defaultValue = "10", description = "Timed calls. Default: ${DEFAULT-VALUE}.")
    int repetitions;

    @Option(names = "--baseline", paramLabel = "NAME", defaultValue = "none",
            description = "A backend timed in the same run for comparison (e.g. reference), or none. Default: ${DEFAULT-VALUE}.")
    String baseline;

    @Option(names = "--baseline-repetitions", paramLabel = "K", defaultValue = "3",
            description = "Timed calls of the baseline (after one warm-up call). Default: ${DEFAULT-VALUE}.")
    int baselineRepetitions;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the input data and the crowding draws. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** One op call bound to its inputs. */
    interface Work {
        void run(Backend b);
    }

    record Timing(double[] ms, double medianMs, double minMs) {}

    @Override
    public Integer call() {
        require(warmup >= 0, "--warmup must be >= 0");
        require(repetitions >= 1, "--repetitions must be >= 1");
        require(baselineRepetitions >= 1, "--baseline-repetitions must be >= 1");
        Backend backend = common.selectBackend();
        Backend base = baseline.equalsIgnoreCase("none") ? null : selectBaseline(baseline);
        DType dt = dtype == Dt.f32 ? DType.F32 : DType.F64;
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Object> shape = new LinkedHashMap<>();
        long bytes;
        double exps;
        Work work;
        switch (op) {
            case lse, softmax, logSoftmax -> {
                int b = batch == null ? 64 : batch;
                require(b >= 1 && vocab >= 1, "--batch and --vocab must be >= 1");
                Tensor x = gaussianTensor(dt, 3.0, b, vocab);
                shape.put("batch", b);
                shape.put("vocab", vocab);
                // softmax and log-softmax write into one output of the input's dtype, allocated once
                Tensor o = op == Op.lse ? null : Tensor.zeros(dt, b, vocab);
                if (o != null) {
                    shape.put("output", "reused " + dt.name());
                }
                bytes = x.size() * dt.bytes * (op == Op.lse ? 1 : 2);
                exps = x.size();
                work = switch (op) {
                    case lse -> be -> be.logSumExp(x, 1.0);
                    case softmax -> be -> be.softmax(x, 1.0, o);
                    default -> be -> be.logSoftmax(x, 1.0, o);
                };
            }
            case gap -> {
                int b = batch == null ? 4 : batch;
                require(b >= 1 && vocab >= 1 && heads >= 1, "--batch, --heads and --vocab must be >= 1");
                Tensor x = gaussianTensor(dt, 2.0, b, heads, vocab);
                shape.put("batch", b);
                shape.put("heads", heads);
                shape.put("vocab", vocab);
                bytes = x.size() * dt.bytes;
                exps = (double) b * (heads + 2) * vocab;
                work = be -> be.jensenGap(x, null, null);
            }
            case attention -> {
                int b = batch == null ? 1 : batch;
                require(b >= 1 && heads >= 1 && seq >= 1 && headDim >= 1, "--batch, --heads, --seq, --head-dim must be >= 1");
                Tensor q = gaussianTensor(dt, 1.0, b, heads, seq, headDim);
                Tensor k = gaussianTensor(dt, 1.0, b, heads, seq, headDim);
                Tensor v = gaussianTensor(dt, 1.0, b, heads, seq, headDim);
                shape.put("batch", b);
                shape.put("heads", heads);
                shape.put("seq", seq);
                shape.put("headDim", headDim);
                shape.put("mask", "causal");
                bytes = 3 * q.size() * dt.bytes;
                exps = (double) b * heads * seq * (seq + 1) / 2.0; // one exp per visible (query, key)
                double scale = 1.0 / Math.sqrt(headDim);
                work = be -> be.attention(q, k, v, scale, MaskAlignment.TOP_LEFT);
            }
            case sweepGap -> {
                int b = batch == null ? 4 : batch;
                org.gapscope.api.SweepSpec sp = new org.gapscope.api.SweepSpec(law, heads, vocab, b, 1.0,
                        law.usesMargin() ? 4.0 : 0, law.usesRho() ? 0.5 : 0, 1.0, seed)
                        .withBrier(org.gapscope.measure.GapSweep.brier(scores));
                shape.put("batch", b);
                shape.put("heads", heads);
                shape.put("vocab", vocab);
                shape.put("law", law.name());
                shape.put("scores", sp.brier() ? "log,brier" : "log");
                bytes = 0;
                // logits of the point (drawn once; twice where the Brier gap runs its second pass instead of
                // the heads' pair states: reference, tornado, cpu beyond CpuBackend.SWEEP_PAIR_HEADS)
                exps = sp.logits();
                work = be -> be.sweepGap(sp);
            }
            case mixtureGaps -> {
                require(vocab >= 1 && heads >= 1, "--heads and --vocab must be >= 1");
                Tensor x = gaussianTensor(dt, 2.0, heads, vocab);
                double[] beta = new double[heads];
                Arrays.fill(beta, 1.0 / heads);
                shape.put("heads", heads);
                shape.put("vocab", vocab);
                shape.put("scores", "log,brier");
                bytes = x.size() * dt.bytes;
                exps = 2.0 * heads * vocab; // the heads' LSEs and the pass of sums, one exp each (both scores)
                work = be -> be.mixtureGaps(x, beta, 0, GapCommand.SCORES);
            }
            default -> {
                require(n >= 2, "--n must be >= 2");
                require(crowdingReps >= 1, "--crowding-reps must be >= 1");
                CrowdingSpec cs = new CrowdingSpec(n, 3.0, Law.gaussian(0, 1), crowdingReps, seed);
                shape.put("n", n);
                shape.put("reps", crowdingReps);
                shape.put("law", "gaussian(0,1)");
                bytes = 0;
                exps = (double) (n - 1) * crowdingReps;
                work = be -> be.crowding(cs);
            }
        }
        Timing t = time(backend, work, warmup, warmupMs, repetitions);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", op.toString());
        out.put("backend", backend.name());
        out.put("device", backend.device());
        out.put("dtype", dt.name());
        out.put("shape", shape);
        out.put("warmup", warmup);
        out.put("warmupMs", warmupMs);
        out.put("repetitions", repetitions);
        out.put("medianMs", t.medianMs());
        out.put("minMs", t.minMs());
        out.put("timesMs", t.ms());
        out.put("bytes", bytes);
        out.put("gbPerSec", bytes == 0 ? null : bytes / (t.medianMs() * 1e6));
        out.put("exps", exps);
        out.put("gexpPerSec", exps / (t.medianMs() * 1e6));
        if (op == Op.crowding) {
            out.put("samplesPerSec", exps / (t.medianMs() * 1e-3));
        }
        if (op == Op.sweepGap) {
            out.put("logitsPerSec", exps / (t.medianMs() * 1e-3));
        }
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("loadAverage", load);
        if (base != null) {
            Timing bt = time(base, work, 1, 0, baselineRepetitions);
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("backend", base.name());
            bm.put("repetitions", baselineRepetitions);
            bm.put("medianMs", bt.medianMs());
            bm.put("minMs", bt.minMs());
            bm.put("gexpPerSec", exps / (bt.medianMs() * 1e6));
            out.put("baseline", bm);
            out.put("speedupVsBaseline", bt.medianMs() / t.medianMs());
        }
        print(common.json() ? Json.write(out) + "\n" : table(out));
        return 0;
    }

    static String table(Map<String, Object> out) {
        Table t = new Table("op", "backend", "shape", "median ms", "min ms", "GB/s", "G exp/s", "baseline median ms", "speedup");
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) out.get("baseline");
        t.row(out.get("op"), out.get("backend"), out.get("shape"), out.get("medianMs"), out.get("minMs"),
                out.get("gbPerSec") == null ? "-" : out.get("gbPerSec"), out.get("gexpPerSec"),
                b == null ? "-" : b.get("medianMs"), b == null ? "-" : out.get("speedupVsBaseline"));
        return t + (out.containsKey("samplesPerSec") ? "samples/s: " + Table.format(out.get("samplesPerSec")) + "\n" : "")
                + (out.containsKey("logitsPerSec") ? "logits/s: " + Table.format(out.get("logitsPerSec")) + "\n" : "")
                + "device: " + out.get("device") + ", load average at start: " + Table.format(out.get("loadAverage")) + "\n";
    }

    static Timing time(Backend b, Work work, int warmup, long warmupMs, int reps) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || (System.nanoTime() - start) < warmupMs * 1_000_000; i++) {
            work.run(b);
        }
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            work.run(b);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = reps % 2 == 1 ? sorted[reps / 2] : 0.5 * (sorted[reps / 2 - 1] + sorted[reps / 2]);
        return new Timing(ms, median, sorted[0]);
    }

    Tensor gaussianTensor(DType dt, double sigma, long... shape) {
        return RandomTensors.gaussian(dt, sigma, seed * 31 + shape.length, shape);
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new InputException(what);
        }
    }

    /** The baseline backend; errors name --baseline, the option the user gave. */
    Backend selectBaseline(String name) {
        try {
            return common.select(name);
        } catch (InputException e) {
            String m = e.getMessage();
            throw new InputException(m.startsWith("--backend ") ? "--baseline " + m.substring("--backend ".length()) : m, e);
        }
    }
}
