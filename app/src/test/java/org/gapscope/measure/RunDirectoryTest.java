package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.InputException;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest of a run directory, value by value, across a first start and two resumes. */
class RunDirectoryTest {

    static Map<String, Object> read(Path dir) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = RunDirectory.PRETTY.readValue(dir.resolve(RunDirectory.MANIFEST).toFile(), Map.class);
        return m;
    }

    @Test
    void manifestHoldsTheRunsValuesAndResumingTwiceKeepsTheHistory(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("V", List.of(10, 100));
        params.put("sigma", 1.5);
        params.put("law", "gaussian");
        ReferenceBackend ref = new ReferenceBackend();
        Instant before = Instant.now();
        RunDirectory run = RunDirectory.open(dir, "sweep gap", params, List.of(7L, 8L), List.of("sweep", "gap", "--V", "10,100"), ref);
        assertFalse(run.resumed());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString())
                    .filter(f -> f.startsWith(".write-probe")).toList(), "the write probe is deleted");
        }
        assertEquals(dir, run.dir());
        assertEquals(dir.resolve("gamma.png"), run.file("gamma.png"));
        Map<String, Object> m = read(dir);
        assertEquals("sweep gap", m.get("command"));
        assertEquals(Map.of("V", List.of(10, 100), "sigma", 1.5, "law", "gaussian"), m.get("parameters"));
        assertEquals(List.of("sweep", "gap", "--V", "10,100"), m.get("commandLine"));
        assertEquals("reference", m.get("backend"));
        assertEquals(ref.device(), m.get("device"));
        assertEquals(ref.capabilities().accumulation(), m.get("accumulation"));
        assertEquals(List.of(7, 8), m.get("seeds"));
        assertEquals(RunDirectory.versions(), m.get("versions"));
        @SuppressWarnings("unchecked")
        Map<String, Object> versions = (Map<String, Object>) m.get("versions");
        assertEquals(Runtime.version().toString(), versions.get("java"));
        assertEquals(System.getProperty("java.vendor"), versions.get("javaVendor"));
        assertEquals(System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"), versions.get("os"));
        assertEquals("dev", versions.get("gapscope"), "classes from a directory carry no jar version");
        String commit = (String) m.get("gitCommit");
        assertTrue(commit.equals("unknown") || commit.matches("[0-9a-f]{40}(-dirty)?"), commit);
        assertEquals(RunDirectory.gitCommit(), commit);
        Instant start = Instant.parse((String) m.get("startTime"));
        assertTrue(!start.isBefore(before.minusMillis(1)) && !start.isAfter(Instant.now()), start + " vs " + before);
        assertEquals(List.of(), m.get("resumes"));
        assertEquals("running", m.get("status"));
        assertFalse(m.containsKey("endTime"));
        assertFalse(m.containsKey("points"));
        // put() lands in the manifest at the next write; manifest() is a copy
        run.put("note", "first").put("count", 3);
        assertEquals("first", run.manifest().get("note"));
        run.manifest().put("note", "changed in a copy");
        assertEquals("first", run.manifest().get("note"));
        assertNull(read(dir).get("note"), "put alone does not write");
        run.finish("interrupted", 1);
        m = read(dir);
        assertEquals("interrupted", m.get("status"));
        assertEquals(1, m.get("points"));
        assertEquals("first", m.get("note"));
        assertEquals(3, m.get("count"));
        Instant end1 = Instant.parse((String) m.get("endTime"));
        assertFalse(end1.isBefore(start));
        assertFalse(Files.exists(dir.resolve(RunDirectory.MANIFEST + ".tmp")), "no temporary file left");

        // first resume: the history gets one entry, the status is running again and the end time goes
        RunDirectory second = RunDirectory.open(dir, "sweep gap", params, List.of(7L, 8L), List.of("sweep", "again"), ref);
        assertTrue(second.resumed());
        m = read(dir);
        assertEquals("running", m.get("status"));
        assertFalse(m.containsKey("endTime"));
        assertEquals(List.of("sweep", "gap", "--V", "10,100"), m.get("commandLine"), "the first command line stays");
        assertEquals(start.toString(), m.get("startTime"), "the first start stays");
        List<?> resumes = (List<?>) m.get("resumes");
        assertEquals(1, resumes.size());
        assertEquals(List.of("sweep", "again"), ((Map<?, ?>) resumes.get(0)).get("commandLine"));
        String firstResume = (String) ((Map<?, ?>) resumes.get(0)).get("time");
        assertFalse(Instant.parse(firstResume).isBefore(end1));
        assertEquals("first", m.get("note"), "entries of the first run stay");
        second.finish("interrupted", 2);

        // second resume: both entries, in order
        RunDirectory third = RunDirectory.open(dir, "sweep gap", params, List.of(7L, 8L), List.of("sweep", "third"), ref);
        assertTrue(third.resumed());
        third.finish("complete", 4);
        m = read(dir);
        resumes = (List<?>) m.get("resumes");
        assertEquals(2, resumes.size(), "resume history: " + resumes);
        assertEquals(firstResume, ((Map<?, ?>) resumes.get(0)).get("time"));
        assertEquals(List.of("sweep", "third"), ((Map<?, ?>) resumes.get(1)).get("commandLine"));
        assertFalse(Instant.parse((String) ((Map<?, ?>) resumes.get(1)).get("time")).isBefore(Instant.parse(firstResume)));
        assertEquals("complete", m.get("status"));
        assertEquals(4, m.get("points"));
        assertEquals(List.of("sweep", "gap", "--V", "10,100"), m.get("commandLine"));
        assertEquals("reference", m.get("backend"));
        assertEquals(start.toString(), m.get("startTime"));
    }

    @Test
    void withoutABackendTheManifestSaysNull(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("nobackend");
        // hidden files (e.g. .DS_Store, a lock) do not make a directory foreign
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(".hidden"), "x");
        RunDirectory.open(dir, "c", Map.of(), List.of(), List.of(), null).finish("complete", 0);
        Map<String, Object> m = read(dir);
        assertTrue(m.containsKey("backend") && m.get("backend") == null);
        assertTrue(m.containsKey("device") && m.get("device") == null);
        assertTrue(m.containsKey("accumulation") && m.get("accumulation") == null);
        assertEquals(0, m.get("points"));
    }

    @Test
    void refusalsAreOneLineAndExact(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("sigma", 1.0);
        params.put("V", 10);
        RunDirectory.open(dir, "c", params, List.of(), List.of(), null).finish("complete", 0);
        String where = "output directory " + dir;
        InputException e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "c", Map.of("sigma", 2.0, "V", 10), List.of(), List.of(), null));
        assertEquals(where + ": belongs to a run with different parameters (sigma: 1.0 there, 2.0 now); choose another --out",
                e.getMessage());
        e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "c", Map.of("sigma", 1.0), List.of(), List.of(), null));
        assertEquals(where + ": belongs to a run with different parameters (V: 10 there, null now); choose another --out",
                e.getMessage());
        e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "d", params, List.of(), List.of(), null));
        assertEquals(where + ": belongs to a different command ('c', not 'd'); choose another --out", e.getMessage());
        // parameters compare after a JSON round trip: a long 10 and an int 10 are the same parameter
        RunDirectory.open(dir, "c", Map.of("sigma", 1.0, "V", 10L), List.of(), List.of(), null).finish("complete", 0);

        Files.writeString(dir.resolve(RunDirectory.MANIFEST), "{ \"command\": \n");
        e = assertThrows(InputException.class, () -> RunDirectory.open(dir, "c", params, List.of(), List.of(), null));
        assertTrue(e.getMessage().startsWith(where + ": manifest.json is unreadable or corrupt: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());

        Path stranger = tmp.resolve("stranger");
        Files.createDirectories(stranger);
        Files.writeString(stranger.resolve("thesis.tex"), "x");
        e = assertThrows(InputException.class, () -> RunDirectory.open(stranger, "c", params, List.of(), List.of(), null));
        assertEquals("output directory " + stranger + ": is not empty and has no manifest.json (not a gapscope run "
                + "directory); choose another --out", e.getMessage());

        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        e = assertThrows(InputException.class, () -> RunDirectory.open(file, "c", params, List.of(), List.of(), null));
        assertEquals("output directory " + file + ": exists and is not a directory", e.getMessage());
        Path under = file.resolve("sub");
        e = assertThrows(InputException.class, () -> RunDirectory.open(under, "c", params, List.of(), List.of(), null));
        assertTrue(e.getMessage().startsWith("output directory " + under + ": cannot be created"), e.getMessage());
        // a dangling symbolic link: it is not there (exists follows the link), yet it takes the name
        Path link = tmp.resolve("dangling");
        Files.createSymbolicLink(link, tmp.resolve("nowhere"));
        e = assertThrows(InputException.class, () -> RunDirectory.open(link, "c", params, List.of(), List.of(), null));
        assertTrue(e.getMessage().startsWith("output directory " + link + ": cannot be created (a file is in the way: "),
                e.getMessage());
    }

    @Test
    void timestampedNamesAreFreshAndPrefixed(@TempDir Path tmp) throws Exception {
        Path a = RunDirectory.timestamped(tmp, "gap-");
        assertEquals(tmp, a.getParent());
        assertTrue(a.getFileName().toString().matches("gap-\\d{8}-\\d{6}"), a.toString());
        Files.createDirectories(a);
        Path b = RunDirectory.timestamped(tmp, "gap-");
        if (b.getFileName().toString().startsWith(a.getFileName().toString())) {
            assertEquals(a.getFileName() + "-2", b.getFileName().toString());
            Files.createDirectories(b);
            assertEquals(a.getFileName() + "-3", RunDirectory.timestamped(tmp, "gap-").getFileName().toString());
        } else {
            assertNotEquals(a, b); // the clock moved on to the next second
        }
        assertTrue(RunDirectory.timestamped(tmp).getFileName().toString().matches("\\d{8}-\\d{6}(-\\d+)?"));
    }

    /** The commit of a scratch repository: unknown before git init, the hash, then -dirty. Needs git. */
    @Test
    void gitCommitIsTheHashDirtyOrUnknown(@TempDir Path tmp) throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo);
        assertEquals("unknown", RunDirectory.gitCommit(repo));
        org.junit.jupiter.api.Assumptions.assumeTrue(run(repo, "git", "init", "-q") == 0, "git is installed");
        Files.writeString(repo.resolve("f.txt"), "one");
        assertEquals(0, run(repo, "git", "add", "f.txt"));
        assertEquals(0, run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "m"));
        String clean = RunDirectory.gitCommit(repo);
        assertTrue(clean.matches("[0-9a-f]{40}"), clean);
        Files.writeString(repo.resolve("untracked.txt"), "x");
        assertEquals(clean, RunDirectory.gitCommit(repo), "untracked files do not make it dirty");
        Files.writeString(repo.resolve("f.txt"), "two");
        assertEquals(clean + "-dirty", RunDirectory.gitCommit(repo));
    }

    /** The process runner behind gitCommit: output, and null for every way a command can fail. */
    @Test
    void outputIsTheTrimmedStdoutOrNull() {
        assertEquals("hi there", RunDirectory.output(List.of("sh", "-c", "echo '  hi there '"), 60_000));
        assertNull(RunDirectory.output(List.of("sh", "-c", "echo out; exit 3"), 60_000), "a non-zero exit");
        assertNull(RunDirectory.output(List.of(tmpName("no-such-program")), 60_000), "a program that cannot start");
        // output closed, still running past the limit: killed, null
        assertNull(RunDirectory.output(List.of("sh", "-c", "exec >&-; sleep 30"), 100), "past the time limit");
        // an interrupt during the wait: null, and the interrupt stays set for the caller
        Thread.currentThread().interrupt();
        String interrupted = RunDirectory.output(List.of("sh", "-c", "exec >&-; sleep 3"), 60_000);
        assertTrue(Thread.interrupted(), "the interrupt is kept");
        assertNull(interrupted);
    }

    static String tmpName(String name) {
        return Path.of(System.getProperty("java.io.tmpdir"), "gapscope-" + name + "-" + ProcessHandle.current().pid()).toString();
    }

    /** Where gitCommit() asks git: the class folder itself, a jar's folder, else the working directory. */
    @Test
    void codeBaseIsTheClassFolderOrTheJarsFolder(@TempDir Path tmp) throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path jar = Files.writeString(Files.createDirectories(tmp.resolve("lib")).resolve("x.jar"), "");
        assertEquals(classes, RunDirectory.codeBase(source(classes.toUri().toURL())));
        assertEquals(jar.getParent(), RunDirectory.codeBase(source(jar.toUri().toURL())));
        Path cwd = Path.of(".").toAbsolutePath();
        assertEquals(cwd, RunDirectory.codeBase(null));
        assertEquals(cwd, RunDirectory.codeBase(source(new java.net.URI("http://example.org/x.jar").toURL())),
                "not a local file");
    }

    static java.security.CodeSource source(java.net.URL url) {
        return new java.security.CodeSource(url, (java.security.cert.Certificate[]) null);
    }

    /** A manifest whose parameters are not an object (edited by hand): the refusal shows both values whole. */
    @Test
    void parametersThatAreNotAnObjectAreShownWhole(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory.open(dir, "c", Map.of("V", 10), List.of(), List.of(), null).finish("complete", 0);
        Path mf = dir.resolve(RunDirectory.MANIFEST);
        Files.writeString(mf, Files.readString(mf).replace("\"parameters\" : {\n    \"V\" : 10\n  }", "\"parameters\" : 7"));
        assertEquals(7, read(dir).get("parameters"));
        InputException e = assertThrows(InputException.class,
                () -> RunDirectory.open(dir, "c", Map.of("V", 10), List.of(), List.of(), null));
        assertEquals("output directory " + dir + ": belongs to a run with different parameters (7 there, {V=10} now); "
                + "choose another --out", e.getMessage());
    }

    static int run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor();
    }

    @Test
    void writeAtomicallyReplacesTheFileAndLeavesNoTemporary(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("x.json");
        RunDirectory.writeJsonAtomically(f, Map.of("a", Double.NaN));
        assertEquals("{\n  \"a\" : null\n}\n", Files.readString(f)); // JSON has no NaN
        RunDirectory.writeAtomically(f, new byte[] {'o', 'k'});
        assertEquals("ok", Files.readString(f));
        assertFalse(Files.exists(tmp.resolve("x.json.tmp")));
    }

    @Test
    void oneLineJoinsLines() {
        assertEquals("a b  c", RunDirectory.Main1.oneLine(" a\nb\r\nc\n"));
        assertEquals("", RunDirectory.Main1.oneLine(null));
    }
}
