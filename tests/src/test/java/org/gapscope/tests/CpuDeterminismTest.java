package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
import org.gapscope.api.Tensor;
import org.gapscope.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cpu backend's chunks have fixed lengths and are merged in chunk order, so results must be
 * bit-identical whatever the number of threads (a one-thread pool against the common pool) and from
 * run to run; and since their exp, log, cos and sin use only IEEE-exact vector operations, whatever the
 * JIT has compiled (fresh JVMs, interpreted, C1 only, and C2, with 1 and 2 threads).
 */
class CpuDeterminismTest {
    final CpuBackend cpu = new CpuBackend();

    static <T> T onOneThread(Supplier<T> work) throws Exception {
        ForkJoinPool one = new ForkJoinPool(1);
        try {
            return one.submit(work::get).get();
        } finally {
            one.shutdown();
        }
    }

    @Test
    void crowdingIsIdenticalOnAnyNumberOfThreads() throws Exception {
        CrowdingSpec spec = new CrowdingSpec(1_000_001, 2.5, Law.gaussian(0, 1), 3, 9L);
        double[] many = cpu.crowding(spec).logSumDistractors();
        double[] again = cpu.crowding(spec).logSumDistractors();
        double[] one = onOneThread(() -> cpu.crowding(spec).logSumDistractors());
        assertArrayEquals(many, again, 0.0);
        assertArrayEquals(many, one, 0.0);
    }

    @Test
    void logSumExpAndGapAreIdenticalOnAnyNumberOfThreads() throws Exception {
        double[] data = EquivalenceTest.gaussian(4 * 3 * 50_000, 2.0, 5);
        Tensor x = EquivalenceTest.tensor(org.gapscope.api.DType.F32, data, 12, 50_000);
        Tensor g = x.reshape(4, 3, 50_000);
        double[] many = cpu.logSumExp(x, 1.0);
        double[] one = onOneThread(() -> cpu.logSumExp(x, 1.0));
        assertArrayEquals(many, one, 0.0);
        double[] gMany = cpu.jensenGap(g, null, null).gamma();
        double[] gOne = onOneThread(() -> cpu.jensenGap(g, null, null).gamma());
        assertArrayEquals(gMany, gOne, 0.0);
    }

    @Test
    void mixtureGapsAreIdenticalOnAnyNumberOfThreads() throws Exception {
        Tensor l = EquivalenceTest.tensor(org.gapscope.api.DType.F32, EquivalenceTest.gaussian(3 * 20_000, 2.0, 6), 3,
                20_000);
        double[] beta = {0.2, 0.5, 0.3};
        for (org.gapscope.api.MixtureGaps.Score score : org.gapscope.api.MixtureGaps.Score.values()) {
            org.gapscope.api.MixtureGaps many = cpu.mixtureGaps(l, beta, 5, score, Double.NaN);
            org.gapscope.api.MixtureGaps one = onOneThread(() -> cpu.mixtureGaps(l, beta, 5, score, Double.NaN));
            assertArrayEquals(many.divergences(), one.divergences(), 0.0);
            assertArrayEquals(new double[] {many.mixture(), many.gap(), many.c()},
                    new double[] {one.mixture(), one.gap(), one.c()}, 0.0);
        }
    }

    @TempDir
    Path tmp;

    /** The JIT modes of the child JVMs, with the repetitions each runs (C2 needs many to compile). */
    static final String[][] MODES = {{"-Xint", "1"}, {"-XX:TieredStopAtLevel=1", "3"}, {"", "1500"}};

    record Child(String name, Map<String, String> results, String output) {}

    /** Starts the probe in a fresh JVM; {@link #finish} waits for it and reads its results. */
    Started start(String mode, int reps, int threads) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "probe");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-Dgapscope.sweepPairHeads=" + DeterminismProbe.PAIR_HEADS,
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + threads));
        boolean c2 = mode.isEmpty();
        if (c2) {
            cmd.add("-XX:+PrintCompilation");
        } else {
            cmd.add(mode);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DeterminismProbe.class.getName(),
                Integer.toString(reps), dir.toString()));
        Path log = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Started((c2 ? "default JIT" : mode) + ", " + threads + " thread(s)", c2, p, log, System.nanoTime());
    }

    record Started(String name, boolean c2, Process p, Path log, long t0) {}

    static Child finish(Started s) throws IOException, InterruptedException {
        String name = s.name();
        Process p = s.p();
        boolean c2 = s.c2();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), name + ": the probe did not finish in 300 s");
        String out = Files.readString(s.log(), StandardCharsets.UTF_8);
        System.out.printf("determinism probe, %s: %.1f s%n", name, (System.nanoTime() - s.t0()) / 1e9);
        assertEquals(0, p.exitValue(), name + ": " + out);
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : Files.readString(s.log().resolveSibling("results.txt")).split("\n")) {
            if (line.startsWith("result ")) {
                String[] f = line.split(" ");
                assertEquals(-1, f[2].indexOf(','), name + ": " + f[1] + " differs between repetitions: " + f[2]);
                results.put(f[1], f[2]);
            }
        }
        if (c2) { // the hot passes were compiled by C2 (tier 4) and then ran: otherwise this compares nothing new
            for (String pass : List.of("VectorPasses::expSum", "VectorPasses::softmaxChunk", "VectorPasses::headPass",
                    "VectorPasses::aggState", "VectorPasses::attentionItem", "VectorDraws::philoxUniforms",
                    "VectorDraws::radii", "VectorMath::polarReduce", "VectorMath::polarQuadrants",
                    "VectorDraws::blockExpSum", "VectorDraws::headLogits", "VectorDraws::headState",
                    "VectorDraws::mixAdd", "VectorDraws::blockPairs", "FlashAttention::queryBlock", "Gemm::six")) {
                assertTrue(out.lines().anyMatch(l -> l.matches(".*\\s4\\s+org\\.gapscope\\.cpu\\." + pass + "\\b.*")),
                        name + ": " + pass + " was not compiled by C2");
            }
        }
        return new Child(name, results, out);
    }

    @Test
    void everyOpGivesTheSameBitsInEveryJitModeAndThreadCount() throws Exception {
        List<Child> children = new ArrayList<>();
        for (String[] mode : MODES) { // the two thread counts side by side (the machine may have 2 cores)
            Started one = start(mode[0], Integer.parseInt(mode[1]), 1);
            Started two = start(mode[0], Integer.parseInt(mode[1]), 2);
            children.add(finish(one));
            children.add(finish(two));
        }
        Child first = children.get(0);
        assertEquals(List.of("lse", "softmax", "jensenGap", "crowding-GAUSSIAN", "crowding-GUMBEL", "crowding-EXPONENTIAL",
                "crowding-UNIFORM", "attention", "attention-f32", "positional", "sweepGap-correlated", "sweepGap-agree",
                "sweepGap-pairs-H7", "sweepGap-second-pass", "sweep-points"), List.copyOf(first.results().keySet()));
        for (Child c : children.subList(1, children.size())) {
            for (Map.Entry<String, String> e : first.results().entrySet()) {
                assertEquals(e.getValue(), c.results().get(e.getKey()),
                        e.getKey() + ": " + first.name() + " and " + c.name() + " differ");
            }
        }
    }
}
