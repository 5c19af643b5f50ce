package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/gapscope passes output on as it is written: progress lines arrive through a pipe while the run
 * is still going, everything is written before the launcher exits, signals sent to the launcher reach
 * the JVM, and the JVM's incubator warning stays hidden. The launcher runs this module's classes
 * ({@code GAPSCOPE_CLASSPATH}), so no jar is built here.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    static final Path LAUNCHER = Path.of("..", "scripts", "gapscope").toAbsolutePath().normalize();

    static ProcessBuilder launcher(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("GAPSCOPE_CLASSPATH", System.getProperty("java.class.path"));
        env.put("GAPSCOPE_TORNADO", "0");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.remove("GAPSCOPE_WARNINGS");
        env.put("GAPSCOPE_JAVA_OPTS", "-Xmx512m");
        return pb;
    }

    @Test
    void progressArrivesThroughAPipeWhileTheRunGoesOnAndSigintIsPassedOn() throws Exception {
        Path out = tmp.resolve("sweep");
        List<String> args = new ArrayList<>(SweepResumeTest.sweepArgs(out));
        args.set(args.indexOf("--progress") + 1, "lines");
        Process p = launcher(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = err.readLine()) != null && !line.contains(" points, elapsed")) {
                seen.add(line);
            }
            assertTrue(line != null, "no progress line: " + seen);
            // the first of 40 points is done: the line must have come through the pipe at once, not at exit
            assertTrue(p.isAlive(), "the progress line arrived only when the run had ended");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            StringBuilder rest = new StringBuilder();
            while ((line = err.readLine()) != null) {
                rest.append(line).append('\n');
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(130, p.exitValue(), rest.toString());
            assertTrue(rest.toString().contains("stopped after"), rest.toString());
            assertFalse((seen + rest.toString()).contains("incubator"), rest.toString());
        } finally {
            p.destroyForcibly();
        }
        assertTrue(SweepResumeTest.lines(out.resolve("points.jsonl")) < SweepResumeTest.POINTS);
    }

    @Test
    void everythingIsWrittenBeforeTheLauncherExits() throws Exception {
        Path err = tmp.resolve("stderr.txt");
        Path missing = tmp.resolve("missing.npy");
        Process p = launcher(List.of("gap", "--input", missing.toString()))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        // read at once: nothing may still be on its way once the launcher has exited
        assertEquals(List.of("gapscope gap: " + missing + ": no such file"), Files.readAllLines(err));
    }

    @Test
    void lineDropperPassesBytesOnAtOnceAndDropsOnlyWholeListedLines() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(new Stderr.LineDropper(sink, Stderr.DROPPED), true, StandardCharsets.UTF_8);
        ps.print("\rsweep gap  42%");
        assertEquals("\rsweep gap  42%", sink.toString(StandardCharsets.UTF_8), "a line without newline is not held");
        ps.print("\n");
        ps.print("WARNING: Using incub");
        assertEquals("\rsweep gap  42%\n", sink.toString(StandardCharsets.UTF_8), "a possible dropped line is held");
        ps.print("ator modules: jdk.incubator.vector\n[TornadoVM] Warning: The loop bounds will be configured by "
                + "the GridScheduler. Check the grid by using the flag --threadInfo.\nWARNING: other\nlast");
        assertEquals("\rsweep gap  42%\nWARNING: other\nlast", sink.toString(StandardCharsets.UTF_8));
    }
}
