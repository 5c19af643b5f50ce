package org.gapscope.measure;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;

/**
 * One run's output directory: {@code manifest.json}, the point files of a {@link PointLog}, and plots
 * (see {@link Plots}). Every command that produces data opens one of these.
 *
 * <p><b>Identity.</b> A directory belongs to one command with one set of parameters: the manifest records
 * {@code command} and {@code parameters}, and opening the directory again with a different command or
 * different parameters is refused with a one-line {@link InputException} (so a resumed run never mixes
 * points of two different grids). Put into {@code parameters} everything that changes the values (the
 * grid, laws, seeds, and the resolved backend name), and nothing that does not (progress flags, the
 * output path itself). Parameters are compared after a JSON round trip, so use strings, numbers,
 * booleans and lists of them.
 *
 * <p><b>Manifest.</b> {@code manifest.json} holds: {@code command}, {@code parameters}, {@code commandLine}
 * (the arguments as given at the first start; kept on resume), {@code backend}, {@code device},
 * {@code accumulation}, {@code versions} (gapscope, Java, OS), {@code seeds}, {@code gitCommit},
 * {@code startTime} (first start, ISO-8601 UTC), {@code resumes} (one entry per later start: its
 * {@code time} and {@code commandLine}), {@code endTime}, {@code status} ({@code running},
 * {@code complete}, {@code interrupted} or {@code failed}), {@code points}, and whatever the command adds
 * with {@link #put}. It is rewritten atomically (temporary file, then rename) at open and at
 * {@link #finish}.
 *
 * <p><b>Lock.</b> {@link #open} takes an exclusive lock on {@code DIR/.lock} ({@link FileChannel#tryLock})
 * before it reads or writes anything else there, writes its process id into that file, and holds the lock
 * until the process ends: two processes never write one run directory. The operating system drops the
 * lock when the holder ends, however it ends (a crash or {@code kill -9} included), so a stale
 * {@code .lock} file never blocks a resume. Within one JVM a later {@link #open} of the same directory
 * reuses the lock (a JVM runs one command; tests run many in turn).
 *
 * <p><b>Refusals</b> (all one line naming the directory): a path that exists and is not a directory, a
 * directory that cannot be created or written, a directory locked by another process (with its pid), a
 * non-empty directory without a manifest (not a gapscope run), a manifest that cannot be read, a manifest
 * of a different command or parameters.
 *
 * <p>Use:
 * <pre>{@code
 * RunDirectory run = RunDirectory.open(dir, "sweep gap", params, seeds, List.of(args), backend);
 * try (PointLog log = run.points(keyColumns, columns)) {
 *     RunLoop.Result r = RunLoop.run("sweep gap", log, grid, compute, progress);
 *     Plots.lineLogX(run.file("gamma.png"), ...);
 *     run.finish(r.interrupted() ? "interrupted" : "complete", log.size());
 * }
 * }</pre>
 */
public final class RunDirectory {
    static final ObjectMapper PRETTY = JsonValues.PRETTY;

    public static final String MANIFEST = "manifest.json";
    /** The lock file of a run directory (hidden, so that it never makes a directory "not empty"). */
    public static final String LOCK = ".lock";

    /** Locks this JVM holds, by the directory's real path; their channels stay open until the JVM ends. */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();
    /** The manifest's list of later starts: one {@code {"time", "commandLine"}} entry per resume. */
    public static final String RESUMES = "resumes";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final Map<String, Object> manifest;
    private final boolean resumed;

    private RunDirectory(Path dir, Map<String, Object> manifest, boolean resumed) {
        this.dir = dir;
        this.manifest = manifest;
        this.resumed = resumed;
    }

    /** A fresh timestamped directory name under {@code parent}: {@code parent/yyyyMMdd-HHmmss} (UTC). */
    public static Path timestamped(Path parent) {
        return timestamped(parent, "");
    }

    /** A fresh directory name {@code parent/<prefix>yyyyMMdd-HHmmss} (UTC), suffixed -2, -3 ... if taken. */
    public static Path timestamped(Path parent, String prefix) {
        String stamp = prefix + STAMP.format(Instant.now());
        Path p = parent.resolve(stamp);
        for (int i = 2; Files.exists(p); i++) {
            p = parent.resolve(stamp + "-" + i);
        }
        return p;
    }

    /**
     * Creates {@code dir} (with parents) or reopens it for a resume.
     *
     * @param command     the command's name, e.g. {@code "sweep gap"}
     * @param parameters  everything that determines the values (see the class comment)
     * @param seeds       the seeds the run uses (recorded in the manifest; may be empty)
     * @param commandLine the arguments as given on the command line
     * @param backend     the backend that computes (name, device and accumulation go into the manifest); may be null
     * @throws InputException when the directory cannot be used (see the class comment)
     */
    public static RunDirectory open(Path dir, String command, Map<String, ?> parameters, List<?> seeds,
                                    List<String> commandLine, Backend backend) {
        String where = "output directory " + dir;
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InputException(where + ": exists and is not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw new InputException(where + ": cannot be created (a file is in the way: " + e.getMessage() + ")");
        } catch (AccessDeniedException e) {
            throw new InputException(where + ": cannot be created (permission denied)");
        } catch (IOException e) {
            throw new InputException(where + ": cannot be created: " + e.getMessage());
        }
        checkWritable(dir, where);
        lock(dir, where);
        Object normalized = roundTrip(parameters);
        Path mf = dir.resolve(MANIFEST);
        Map<String, Object> manifest;
        boolean resumed = false;
        if (Files.exists(mf)) {
            try {
                manifest = PRETTY.readValue(Files.readString(mf), new TypeReference<LinkedHashMap<String, Object>>() {});
            } catch (IOException e) {
                throw new InputException(where + ": " + MANIFEST + " is unreadable or corrupt: " + Main1.oneLine(e.getMessage()));
            }
            if (!command.equals(manifest.get("command"))) {
                throw new InputException(where + ": belongs to a different command ('" + manifest.get("command")
                        + "', not '" + command + "'); choose another --out");
            }
            if (!Objects.equals(normalized, manifest.get("parameters"))) {
                throw new InputException(where + ": belongs to a run with different parameters ("
                        + differences(manifest.get("parameters"), normalized) + "); choose another --out");
            }
            @SuppressWarnings("unchecked")
            List<Object> resumes = manifest.get(RESUMES) instanceof List<?> l ? (List<Object>) l : new ArrayList<>();
            Map<String, Object> resume = new LinkedHashMap<>();
            resume.put("time", Instant.now().toString());
            resume.put("commandLine", List.copyOf(commandLine));
            resumes.add(resume);
            manifest.put(RESUMES, resumes);
            manifest.put("status", "running");
            manifest.remove("endTime");
            resumed = true;
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(p -> !p.getFileName().toString().startsWith("."))) {
                    throw new InputException(where + ": is not empty and has no " + MANIFEST
                            + " (not a gapscope run directory); choose another --out");
                }
            } catch (IOException e) {
                throw new InputException(where + ": cannot be listed: " + e.getMessage());
            }
            manifest = new LinkedHashMap<>();
            manifest.put("command", command);
            manifest.put("parameters", normalized);
            manifest.put("commandLine", List.copyOf(commandLine));
            manifest.put("backend", backend == null ? null : backend.name());
            manifest.put("device", backend == null ? null : backend.device());
            manifest.put("accumulation", backend == null ? null : backend.capabilities().accumulation());
            manifest.put("versions", versions());
            manifest.put("seeds", List.copyOf(seeds));
            manifest.put("gitCommit", gitCommit());
            manifest.put("startTime", Instant.now().toString());
            manifest.put(RESUMES, new ArrayList<>());
            manifest.put("status", "running");
        }
        RunDirectory run = new RunDirectory(dir, manifest, resumed);
        run.writeManifest();
        return run;
    }

    /**
     * The {@code parameters} of the run recorded in {@code dir}'s manifest, or null when there is no
     * readable manifest (the caller then learns the details from {@link #open}).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> recordedParameters(Path dir) {
        try { // no manifest, or a directory in its place: readString fails, null
            Map<String, Object> m = PRETTY.readValue(Files.readString(dir.resolve(MANIFEST)), new TypeReference<LinkedHashMap<String, Object>>() {});
            return m.get("parameters") instanceof Map<?, ?> p ? (Map<String, Object>) p : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Starts a run over, when the user asked for it: takes the directory's lock, checks that the directory
     * is empty or holds a run of {@code command} (anything else is refused as {@link #open} would), and
     * deletes the manifest and the given files of the earlier run. The next {@link #open} then starts afresh.
     */
    public static void startOver(Path dir, String command, List<String> files) {
        String where = "output directory " + dir;
        if (!Files.isDirectory(dir)) {
            return;
        }
        lock(dir, where);
        Path mf = dir.resolve(MANIFEST);
        if (!Files.exists(mf)) {
            return;
        }
        Object recorded;
        try {
            recorded = PRETTY.readValue(Files.readString(mf), new TypeReference<LinkedHashMap<String, Object>>() {}).get("command");
        } catch (IOException e) {
            throw new InputException(where + ": " + MANIFEST + " is unreadable or corrupt: " + Main1.oneLine(e.getMessage()));
        }
        if (!command.equals(recorded)) {
            throw new InputException(where + ": belongs to a different command ('" + recorded + "', not '" + command
                    + "'); choose another --out");
        }
        try {
            for (String f : files) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.delete(mf);
        } catch (IOException e) {
            throw new InputException(where + ": cannot start over: " + e.getMessage());
        }
    }

    /**
     * Takes (or, in this JVM, reuses) the exclusive lock of {@code dir}; refuses in one line naming the
     * holder's pid when another process holds it.
     */
    static synchronized void lock(Path dir, String where) {
        Path key;
        try {
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new InputException(where + ": cannot be resolved: " + e.getMessage());
        }
        if (HELD.containsKey(key)) {
            return;
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String holder = readHolder(ch);
                ch.close();
                throw new InputException(where + ": in use by another gapscope process (pid " + holder
                        + "); wait for it to end or choose another --out");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
            HELD.put(key, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new InputException(where + ": cannot be locked (" + LOCK + "): " + e.getMessage());
        }
    }

    private static String readHolder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        ch.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
        return s.matches("\\d+") ? s : "unknown";
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    private static void checkWritable(Path dir, String where) {
        try {
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new InputException(where + ": is not writable" + (e instanceof AccessDeniedException ? " (permission denied)" : ": " + e.getMessage()));
        }
    }

    private static Object roundTrip(Object value) {
        try {
            return PRETTY.readValue(PRETTY.writeValueAsString(value), Object.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("parameters must be JSON values", e);
        }
    }

    private static String differences(Object old, Object now) {
        if (old instanceof Map<?, ?> a && now instanceof Map<?, ?> b) {
            List<String> diff = new ArrayList<>();
            java.util.Set<Object> keys = new java.util.LinkedHashSet<>(a.keySet());
            keys.addAll(b.keySet());
            for (Object k : keys) {
                if (!Objects.equals(a.get(k), b.get(k))) {
                    diff.add(k + ": " + a.get(k) + " there, " + b.get(k) + " now");
                }
            }
            return String.join("; ", diff);
        }
        return old + " there, " + now + " now";
    }

    /** The gapscope, Java and OS versions. */
    public static Map<String, Object> versions() {
        Map<String, Object> v = new LinkedHashMap<>();
        String impl = RunDirectory.class.getPackage().getImplementationVersion();
        v.put("gapscope", impl == null ? "dev" : impl);
        v.put("java", Runtime.version().toString());
        v.put("javaVendor", System.getProperty("java.vendor"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return v;
    }

    /**
     * The git commit of the sources, found by asking git in the directory of the running jar (or the
     * working directory); "unknown" when there is no git or no repository. "-dirty" is appended when the
     * working tree has changes to tracked files.
     */
    public static String gitCommit() {
        return gitCommit(codeBase(RunDirectory.class.getProtectionDomain().getCodeSource()));
    }

    /** The folder of the classes {@code src} names (a class folder itself, a jar's folder), else the working directory. */
    static Path codeBase(java.security.CodeSource src) {
        Path base = Path.of(".").toAbsolutePath();
        try {
            if (src != null) {
                Path p = Path.of(src.getLocation().toURI());
                base = Files.isDirectory(p) ? p : p.getParent();
            }
        } catch (Exception ignored) {
            // not a local file: keep the working directory
        }
        return base;
    }

    /** The commit of the git working tree that holds {@code base} ("-dirty" if changed), or "unknown". */
    static String gitCommit(Path base) {
        String head = git(base, "rev-parse", "HEAD");
        if (head == null) {
            return "unknown";
        }
        String dirty = git(base, "status", "--porcelain", "--untracked-files=no");
        return head + (dirty != null && !dirty.isEmpty() ? "-dirty" : "");
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        return output(cmd, 5000);
    }

    /**
     * The trimmed standard output of {@code cmd}, or null when it cannot start, exits non-zero, runs
     * longer than {@code timeoutMillis} after closing its output (it is then killed) or the wait is
     * interrupted (the interrupt is kept).
     */
    static String output(List<String> cmd, long timeoutMillis) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** A file in the directory. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Whether the directory already held a manifest of this run (a resume). */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Opens the run's {@link PointLog} ({@code points.jsonl} + {@code points.csv}).
     *
     * @param keyColumns the columns that identify a point (the grid's parameters)
     * @param columns    every column in CSV order (key columns included)
     */
    public PointLog points(List<String> keyColumns, List<String> columns) {
        return new PointLog(dir, keyColumns, columns);
    }

    /** Adds an entry to the manifest (written at the next {@link #finish} or {@link #writeManifest}). */
    public synchronized RunDirectory put(String key, Object value) {
        manifest.put(key, value);
        return this;
    }

    /** A copy of the manifest as it stands. */
    public synchronized Map<String, Object> manifest() {
        return new LinkedHashMap<>(manifest);
    }

    /** Records the end: status ("complete", "interrupted", "failed"), end time and point count; rewrites the manifest. */
    public synchronized void finish(String status, int points) {
        manifest.put("status", status);
        manifest.put("points", points);
        manifest.put("endTime", Instant.now().toString());
        writeManifest();
    }

    /** Writes manifest.json atomically (temporary file, then rename). */
    public synchronized void writeManifest() {
        writeJsonAtomically(file(MANIFEST), manifest);
    }

    /** Writes any JSON value to {@code file} atomically (pretty-printed, non-finite doubles as null). */
    public static void writeJsonAtomically(Path file, Object value) {
        try {
            writeAtomically(file, (PRETTY.writeValueAsString(value) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InputException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Writes bytes to {@code file} through a temporary sibling and an atomic rename, forced to disk. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One-line messages (no dependency on the cli package). */
    static final class Main1 {
        private Main1() {}

        static String oneLine(String s) {
            return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ').trim();
        }
    }
}
