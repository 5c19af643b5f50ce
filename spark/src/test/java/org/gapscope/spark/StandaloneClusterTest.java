package org.gapscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone cluster of {@code scripts/spark-cluster} on 127.0.0.1 (two workers of one core): the
 * points equal the plain run's bytes; a driver killed mid-run is resumed by the same command with every
 * point exactly once; a worker killed mid-run (the other alive) costs only its tasks, which Spark runs
 * again, and the run completes with every point exactly once. Reference backend, as in
 * {@link LocalSparkTest}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    static final Path ROOT = Path.of(System.getProperty("gapscope.root", "..")).toAbsolutePath().normalize();
    static final Path STATE = ROOT.resolve("spark/target/spark-cluster-test");
    static String master;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startCluster() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        script("stop");
        String out = script("start", "--workers", "2", "--cores", "1", "--memory", "1g", "--port", Integer.toString(port));
        master = out.strip();
        assertEquals("spark://127.0.0.1:" + port, master);
        // The executors load gapscope from these jars (scripts/gapscope runs from the built jars and ships them itself).
        System.setProperty("spark.jars", ROOT.resolve("app/target/gapscope.jar") + "," + SparkCluster.jarOf(SparkCluster.class));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        System.clearProperty("spark.jars");
        script("stop");
    }

    static String script(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/spark-cluster").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("GAPSCOPE_SPARK_CLUSTER_DIR", STATE.toString());
        pb.environment().put("GAPSCOPE_SPARK_BUILD", "0");
        pb.environment().put("GAPSCOPE_SPARK_AOT", "0"); // no class cache for the executors: minutes of training per start here
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "spark-cluster " + args[0] + " hung");
        assertEquals(0, p.exitValue(), "spark-cluster " + String.join(" ", args) + ": " + out);
        return out;
    }

    /** 12 points of about half a second each on the reference backend (time to kill something mid-run). */
    static List<String> slowSweep(Path out) {
        return List.of("sweep", "gap", "--vocab", "4096", "--heads", "8", "--tokens", "4",
                "--seed", "1,2,3,4,5,6,7,8,9,10,11,12", "--backend", "reference", "--progress", "off",
                "--format", "json", "--out", out.toString());
    }

    static long landed(Path run) throws IOException {
        Path f = run.resolve("points.jsonl");
        return Files.exists(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count() : 0;
    }

    static void awaitLanded(Path run, long n, CompletableFuture<?> orProcessEnd) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (landed(run) < n) {
            assertTrue(System.nanoTime() < deadline, "no " + n + " points in " + run + " within 240 s");
            assertTrue(!orProcessEnd.isDone(), "the run ended before " + n + " points landed");
            Thread.sleep(100);
        }
    }

    @Test
    @Order(1)
    void sweepAndCrowdingOnTheStandaloneClusterEqualThePlainRun() throws Exception {
        Path plain = tmp.resolve("sweep-plain");
        Path cluster = tmp.resolve("sweep-cluster");
        assertEquals(0, Runs.cli(Runs.sweep(plain, "reference")).code());
        Runs.Result r = Runs.cli(Runs.with(Runs.sweep(cluster, "reference"), "--spark", master));
        assertEquals(0, r.code(), r.err());
        Runs.assertSamePointsOnce(plain, cluster);
        Path cPlain = tmp.resolve("crowding-plain");
        Path cCluster = tmp.resolve("crowding-cluster");
        assertEquals(0, Runs.cli(Runs.crowding(cPlain, "reference")).code());
        r = Runs.cli(Runs.with(Runs.crowding(cCluster, "reference"), "--spark", master));
        assertEquals(0, r.code(), r.err());
        Runs.assertSamePointsOnce(cPlain, cCluster);
    }

    @Test
    @Order(2)
    void aDriverKilledMidRunIsResumedWithEveryPointOnce() throws Exception {
        Path plain = tmp.resolve("slow-plain");
        assertEquals(0, Runs.cli(slowSweep(plain)).code());
        Path run = tmp.resolve("driver-killed");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(System.getProperty("gapscope.jvmArgs", "").trim().split("\\s+")));
        cmd.add("-Dspark.jars=" + System.getProperty("spark.jars"));
        cmd.add("-cp");
        cmd.add(Files.readString(ROOT.resolve("spark/target/spark-classpath.txt")).strip() + File.pathSeparator
                + ROOT.resolve("spark/target/classes") + File.pathSeparator + ROOT.resolve("app/target/gapscope.jar"));
        cmd.add("org.gapscope.cli.Main");
        cmd.addAll(slowSweep(run));
        cmd.addAll(List.of("--spark", master));
        Process driver = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("driver.log").toFile()).start();
        awaitLanded(run, 2, driver.onExit());
        driver.destroyForcibly().waitFor();
        long before = landed(run);
        assertTrue(before < 12, "the driver finished before it was killed; make the points slower");
        Runs.Result r = Runs.cli(Runs.with(slowSweep(run), "--spark", master));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"skipped\":" + before) || r.out().contains("\"skipped\" : " + before), r.out());
        Runs.assertSamePointsOnce(plain, run);
    }

    @Test
    @Order(3)
    void aWorkerKilledMidRunCostsOnlyItsTasks() throws Exception {
        Path plain = tmp.resolve("slow-plain");
        if (!Files.exists(plain)) {
            assertEquals(0, Runs.cli(slowSweep(plain)).code());
        }
        Path run = tmp.resolve("worker-killed");
        CompletableFuture<Runs.Result> driver = CompletableFuture.supplyAsync(
                () -> Runs.cli(Runs.with(slowSweep(run), "--spark", master)));
        awaitLanded(run, 2, driver);
        script("kill-worker", "1");
        Runs.Result r = driver.get(300, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        Runs.assertSamePointsOnce(plain, run);
    }
}
