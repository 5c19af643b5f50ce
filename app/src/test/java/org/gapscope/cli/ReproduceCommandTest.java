package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reproduce} does not depend on the working directory, and says "missing" for a missing file. */
class ReproduceCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out) {}

    /** Runs the CLI in a child JVM whose working directory is {@code cwd}. */
    static Result inDirectory(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    @Test
    void checkFromAnotherDirectoryComparesTheCheckoutsDocument() throws Exception {
        Result r = inDirectory(tmp, "reproduce", "--check");
        Path doc = Path.of("..").toAbsolutePath().normalize().resolve("docs").resolve("REPRODUCTION.md");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains(doc + ": up to date"), r.out());
        assertFalse(Files.exists(tmp.resolve("docs")), "nothing is written in the working directory");
    }

    @Test
    void aMissingDocumentIsCalledMissing() throws Exception {
        Path none = tmp.resolve("none.md");
        CliTest.Run r = CliTest.run("reproduce", "--check", "--out", none.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(none + ": missing (run 'gapscope reproduce' to write it)", r.out().strip());
        assertFalse(Files.exists(none));
    }
}
