package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gapscope.api.Tensor;
import org.gapscope.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run directories that cannot lie: a run is identified by its input's content, not only its path, and
 * two processes never write one directory.
 */
class RunIntegrityTest {
    @TempDir
    Path dir;

    static void logits(Path file, double phase) throws IOException {
        double[] x = new double[2 * 3 * 11];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i * 0.7 + phase) * 3;
        }
        Npy.write(file, Tensor.of(x, 2, 3, 11));
    }

    static CliTest.Run gap(Path in, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("gap", "--input", in.toString(), "--backend", "reference",
                "--format", "json", "--out", out.toString()));
        a.addAll(List.of(more));
        return CliTest.run(a.toArray(String[]::new));
    }

    @Test
    void gapRefusesADirectoryWrittenForOtherContentOfTheSameFile() throws IOException {
        Path in = dir.resolve("logits.npy");
        Path out = dir.resolve("run");
        logits(in, 0);
        CliTest.Run first = gap(in, out);
        assertEquals(0, first.code(), first.err());
        byte[] points = Files.readAllBytes(out.resolve("points.csv"));

        // the same bytes written again (new mtime): still the same run, resumed
        Files.write(in, Files.readAllBytes(in));
        Files.setLastModifiedTime(in, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        CliTest.Run same = gap(in, out);
        assertEquals(0, same.code(), same.err());
        assertEquals(first.out(), same.out());

        // other data under the same path (same size): refused in one line, nothing rewritten
        logits(in, 1);
        CliTest.Run changed = gap(in, out);
        assertEquals(2, changed.code(), changed.out() + changed.err());
        assertEquals(1, changed.err().strip().lines().count(), changed.err());
        assertTrue(changed.err().contains(out.toString()) && changed.err().contains("other content")
                && changed.err().contains("--restart"), changed.err());
        assertEquals("", changed.out());
        assertTrue(java.util.Arrays.equals(points, Files.readAllBytes(out.resolve("points.csv"))));

        // asked to start over: the directory then holds the new rows only
        CliTest.Run restarted = gap(in, out, "--restart");
        assertEquals(0, restarted.code(), restarted.err());
        byte[] fresh = Files.readAllBytes(out.resolve("points.csv"));
        assertFalse(java.util.Arrays.equals(points, fresh));
        assertEquals(3, new String(fresh, StandardCharsets.UTF_8).lines().count(), "header + 2 tokens");
        var gamma = Json.MAPPER.readTree(restarted.out()).get("tokens").get(1).get("gamma").asDouble();
        var row = Json.MAPPER.readTree(Files.readAllLines(out.resolve("points.jsonl")).get(1)).get("gamma").asDouble();
        assertEquals(gamma, row, 0.0);
        assertEquals(0, gap(in, out).code(), "the restarted run resumes");
    }

    @Test
    void restartRefusesADirectoryOfAnotherCommand() throws IOException {
        Path in = dir.resolve("logits.npy");
        logits(in, 0);
        Path out = dir.resolve("sweep");
        assertEquals(0, CliTest.run("sweep", "gap", "--backend", "reference", "--vocab", "16", "--heads", "2",
                "--tokens", "1", "--progress", "off", "--out", out.toString()).code());
        CliTest.Run r = gap(in, out, "--restart");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("different command"), r.err());
        assertTrue(Files.exists(out.resolve("points.csv")));
    }

    /** Two real processes: the second is refused in one line naming the directory and the holder's pid. */
    @Test
    void aSecondProcessIsRefusedWhileTheFirstHoldsTheDirectory() throws Exception {
        Path out = dir.resolve("locked");
        Process first = SweepResumeTest.start(SweepResumeTest.sweepArgs(out));
        try {
            SweepResumeTest.waitForLines(out.resolve("points.jsonl"), 1, first);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(SweepResumeTest.sweepArgs(out));
            Process second = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(second.waitFor(120, TimeUnit.SECONDS));
            assertEquals(2, second.exitValue(), err);
            List<String> lines = err.lines().filter(l -> !l.contains("incubator")).toList();
            assertEquals(1, lines.size(), err);
            assertTrue(lines.get(0).contains(out.toString()) && lines.get(0).contains("pid " + first.pid()), err);
            assertTrue(first.isAlive(), "the first run goes on");
        } finally {
            first.destroyForcibly();
            first.waitFor(60, TimeUnit.SECONDS);
        }
        // the holder is gone (killed): its lock went with it and the run resumes to the end
        CliTest.Run resumed = CliTest.run(SweepResumeTest.sweepArgs(out).toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(SweepResumeTest.POINTS, SweepResumeTest.lines(out.resolve("points.jsonl")));
    }

    @Test
    void inputErrorsNameTheFileAndTheOptionGiven() throws IOException {
        Path one = dir.resolve("one.npy");
        Npy.write(one, Tensor.of(new double[] {1, 2, 3}, 3));
        CliTest.Run r = CliTest.run("gap", "--input", one.toString(), "--backend", "reference");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(one.toString()) && r.err().contains("HxV"), r.err());

        r = CliTest.run("gap", "--input", dir.toString(), "--backend", "reference");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is a directory") && !r.err().contains("unknown file type"), r.err());

        Path bad = dir.resolve("bad.safetensors");
        byte[] header = "{\"x\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]".getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length + 24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(bad, b.array());
        r = CliTest.run("gap", "--input", bad.toString(), "--backend", "reference");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("corrupt header"), r.err());
        for (String internal : List.of("Source", "REDACTED", "StreamReadFeature", "marker at")) {
            assertFalse(r.err().contains(internal), r.err());
        }

        // the user's input is quoted as typed, not lower-cased
        r = CliTest.run("crowding", "--n", "10", "--s", "1", "--reps", "2", "--mitigation", "none,scalable:C",
                "--backend", "reference", "--out", dir.resolve("c").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("scalable:C") && r.err().contains("'C' is not a number"), r.err());

        r = CliTest.run("bench", "lse", "--baseline", "foo", "--batch", "1", "--vocab", "8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--baseline foo") && !r.err().contains("--backend foo"), r.err());
    }

    @Test
    void aGroupWithoutItsSubcommandIsBadInput() {
        for (String group : List.of("sweep", "example")) {
            CliTest.Run r = CliTest.run(group);
            assertEquals(2, r.code(), group + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("missing subcommand"), r.err());
        }
        assertNotEquals(2, CliTest.run("sweep", "--help").code());
    }
}
