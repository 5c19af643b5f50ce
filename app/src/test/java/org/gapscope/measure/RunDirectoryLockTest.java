package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gapscope.api.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run directory's lock (held by another process), starting over, and the recorded parameters. */
class RunDirectoryLockTest {

    /**
     * A second process: locks {@code args[0]}/.lock, writes {@code args[1]} into it (its pid, or other
     * text), says "locked" and waits until its input closes.
     */
    public static void main(String[] args) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(args[0]).resolve(RunDirectory.LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.lock();
            String content = args[1].equals("pid") ? ProcessHandle.current().pid() + "\n" : args[1];
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
            System.out.println("locked");
            System.out.flush();
            System.in.read();
            lock.release();
        }
    }

    static Process holdLock(Path dir, String content) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunDirectoryLockTest.class.getName(), dir.toString(), content)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("locked", r.readLine(), "the second process holds the lock");
        return p;
    }

    static void release(Process p) throws Exception {
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    }

    @Test
    void aDirectoryLockedByAnotherProcessIsRefusedWithItsPid(@TempDir Path tmp) throws Exception {
        for (String content : List.of("pid", "not a pid\n")) {
            Path dir = tmp.resolve(content.startsWith("pid") ? "a" : "b");
            Files.createDirectories(dir);
            Process other = holdLock(dir, content);
            try {
                String holder = content.equals("pid") ? String.valueOf(other.pid()) : "unknown";
                InputException e = assertThrows(InputException.class,
                        () -> RunDirectory.open(dir, "c", Map.of(), List.of(), List.of(), null));
                assertEquals("output directory " + dir + ": in use by another gapscope process (pid " + holder
                        + "); wait for it to end or choose another --out", e.getMessage());
                assertFalse(Files.exists(dir.resolve(RunDirectory.MANIFEST)), "nothing written");
                if (Files.isDirectory(Descriptors.FD)) {
                    assertEquals(0, Descriptors.on(dir.resolve(RunDirectory.LOCK)), "the refused channel is closed");
                }
                e = assertThrows(InputException.class, () -> RunDirectory.startOver(dir, "c", List.of()));
                assertTrue(e.getMessage().contains("in use by another gapscope process"), e.getMessage());
            } finally {
                release(other);
            }
            // once the other process is gone the directory opens, and this JVM's lock holds our pid
            RunDirectory.open(dir, "c", Map.of(), List.of(), List.of(), null).finish("complete", 0);
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(RunDirectory.LOCK)));
            // and this JVM opening it again is fine (the lock is reentrant within the JVM)
            RunDirectory.open(dir, "c", Map.of(), List.of(), List.of(), null).finish("complete", 0);
        }
    }

    @Test
    void startingOverDeletesTheEarlierRunOfTheSameCommandOnly(@TempDir Path tmp) throws Exception {
        // nothing there: nothing to do
        RunDirectory.startOver(tmp.resolve("absent"), "c", List.of("points.jsonl"));
        assertFalse(Files.exists(tmp.resolve("absent")));
        // a directory without a manifest is left alone
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.writeString(bare.resolve("points.jsonl"), "x");
        RunDirectory.startOver(bare, "c", List.of("points.jsonl"));
        assertTrue(Files.exists(bare.resolve("points.jsonl")));

        Path dir = tmp.resolve("run");
        RunDirectory.open(dir, "c", Map.of("a", 1), List.of(), List.of(), null).finish("complete", 0);
        Files.writeString(dir.resolve("points.jsonl"), "{}\n");
        Files.writeString(dir.resolve("keep.txt"), "mine");
        InputException e = assertThrows(InputException.class, () -> RunDirectory.startOver(dir, "d", List.of("points.jsonl")));
        assertEquals("output directory " + dir + ": belongs to a different command ('c', not 'd'); choose another --out",
                e.getMessage());
        assertTrue(Files.exists(dir.resolve(RunDirectory.MANIFEST)) && Files.exists(dir.resolve("points.jsonl")));

        RunDirectory.startOver(dir, "c", List.of("points.jsonl", "points.csv"));
        assertFalse(Files.exists(dir.resolve(RunDirectory.MANIFEST)));
        assertFalse(Files.exists(dir.resolve("points.jsonl")));
        assertEquals("mine", Files.readString(dir.resolve("keep.txt")), "files not named stay");
        Files.delete(dir.resolve("keep.txt"));
        RunDirectory fresh = RunDirectory.open(dir, "c", Map.of("a", 2), List.of(), List.of(), null);
        assertFalse(fresh.resumed(), "a fresh run with other parameters");
        fresh.finish("complete", 0);

        Files.writeString(dir.resolve(RunDirectory.MANIFEST), "{ not json");
        e = assertThrows(InputException.class, () -> RunDirectory.startOver(dir, "c", List.of()));
        assertTrue(e.getMessage().startsWith("output directory " + dir + ": manifest.json is unreadable or corrupt: "),
                e.getMessage());
    }

    /**
     * A lock file that opens and locks but cannot be written (a FIFO: truncate fails), and one that cannot
     * be opened (a directory): refused in one line, nothing written, no descriptor left open.
     */
    @Test
    void aLockFileThatCannotBeWrittenIsRefusedAndClosed(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fifo"));
        Path lock = dir.resolve(RunDirectory.LOCK);
        org.junit.jupiter.api.Assumptions.assumeTrue(RunDirectoryTest.run(dir, "mkfifo", lock.toString()) == 0
                && Files.isDirectory(Descriptors.FD), "mkfifo and Linux /proc");
        InputException e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "c", Map.of(), List.of(), List.of(), null));
        assertTrue(e.getMessage().startsWith("output directory " + dir + ": cannot be locked (" + RunDirectory.LOCK + "): "),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(0, Descriptors.on(lock), "the channel that failed is closed");
        assertFalse(Files.exists(dir.resolve(RunDirectory.MANIFEST)), "nothing written");

        Path other = Files.createDirectories(tmp.resolve("dirlock").resolve(RunDirectory.LOCK)).getParent();
        e = assertThrows(InputException.class, () -> RunDirectory.open(other, "c", Map.of(), List.of(), List.of(), null));
        assertTrue(e.getMessage().startsWith("output directory " + other + ": cannot be locked (" + RunDirectory.LOCK + "): "),
                e.getMessage());
    }

    @Test
    void recordedParametersAreTheManifestsOrNull(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        assertNull(RunDirectory.recordedParameters(dir), "no directory");
        RunDirectory.open(dir, "c", Map.of("V", List.of(10, 20), "sigma", 0.5), List.of(), List.of(), null).finish("complete", 0);
        assertEquals(Map.of("V", List.of(10, 20), "sigma", 0.5), RunDirectory.recordedParameters(dir));
        Files.writeString(dir.resolve(RunDirectory.MANIFEST), "{\"parameters\": [1, 2]}");
        assertNull(RunDirectory.recordedParameters(dir), "parameters that are not an object");
        Files.writeString(dir.resolve(RunDirectory.MANIFEST), "{ torn");
        assertNull(RunDirectory.recordedParameters(dir), "a corrupt manifest");
        Files.delete(dir.resolve(RunDirectory.MANIFEST));
        Files.createDirectories(dir.resolve(RunDirectory.MANIFEST));
        assertNull(RunDirectory.recordedParameters(dir), "a manifest that is not a file");
    }
}
