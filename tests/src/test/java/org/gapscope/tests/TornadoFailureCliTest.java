package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gapscope.api.Backends;
import org.gapscope.cli.Main;
import org.junit.jupiter.api.Test;

/**
 * The tornado backend's failures as a user sees them (runs with scripts/test --tornado): a kernel the
 * device's compiler rejects ends with one short line naming the op, the device and the compiler's first
 * error, exit code 4, and nothing on stdout (TornadoVM's JNI layer prints there); --debug adds the full
 * report; a TornadoVM setting that would fall back to plain Java is refused in one line. Each case is a
 * child JVM started with TornadoVM's argfile.
 */
class TornadoFailureCliTest {

    record Result(int code, String out, List<String> err) {}

    static Result run(List<String> jvmProps, String... args) throws Exception {
        String argfile = System.getProperty("gapscope.tornado.argfile");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + argfile, "-Dtornado.enable.fma=False", "-Dtornado.enable.nativeFunctions=False",
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m"));
        cmd.addAll(jvmProps);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        // the JVM's own notice about incubator modules is not gapscope's output
        List<String> lines = err.get().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        return new Result(p.exitValue(), out, lines);
    }

    static void assumeTornado() {
        assumeTrue(System.getProperty("gapscope.tornado.argfile") != null && Backends.all().stream()
                .anyMatch(b -> b.name().equals("tornado") && b.available()), "needs the tornado backend (scripts/test --tornado)");
    }

    static final List<String> BAD_FLAGS = List.of("-Dtornado.opencl.compiler.flags=-cl-no-such-option");
    static final String[] LSE = {"bench", "lse", "--backend", "tornado", "--batch", "2", "--vocab", "1024", "--format", "json"};

    @Test
    void aKernelTheDeviceCompilerRejectsEndsWithOneShortLineAndExitCode4() throws Exception {
        assumeTornado();
        Result r = run(BAD_FLAGS, LSE);
        assertEquals(Main.EXIT_DEVICE, r.code(), String.join("\n", r.err()));
        assertEquals("", r.out(), "stdout holds the result only");
        assertEquals(1, r.err().size(), String.join("\n", r.err()));
        String line = r.err().get(0);
        assertTrue(line.length() <= 300 + "gapscope bench: ".length(), line.length() + ": " + line);
        assertTrue(line.contains("logSumExp") && line.contains("device 0:0") && line.contains("-cl-no-such-option")
                && !line.contains("\u001B") && !line.contains("internal error"), line);
    }

    @Test
    void debugShowsTheFullReport() throws Exception {
        assumeTornado();
        List<String> args = new ArrayList<>(List.of(LSE));
        args.add("--debug");
        Result r = run(BAD_FLAGS, args.toArray(String[]::new));
        assertEquals(Main.EXIT_DEVICE, r.code());
        assertEquals("", r.out());
        String err = String.join("\n", r.err());
        assertTrue(err.contains("Build Error Log") && err.contains("clBuildProgram") && err.contains("TornadoFailure"), err);
    }

    @Test
    void bailoutRecoveryIsRefusedInOneLine() throws Exception {
        assumeTornado();
        Result r = run(List.of("-Dtornado.recover.bailout=True"), LSE);
        assertEquals(2, r.code(), String.join("\n", r.err()));
        assertEquals("", r.out());
        assertEquals(1, r.err().size(), String.join("\n", r.err()));
        assertTrue(r.err().get(0).contains("tornado.recover.bailout=True") && r.err().get(0).contains("fallback"),
                r.err().get(0));
    }
}
