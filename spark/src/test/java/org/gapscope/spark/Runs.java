package org.gapscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.gapscope.cli.Main;

/** Running the CLI in this JVM and comparing run directories (shared by the Spark tests). */
final class Runs {
    private Runs() {}

    record Result(int code, String out, String err) {}

    static Result cli(List<String> args) {
        Main.Result r = Main.call(args.toArray(String[]::new));
        return new Result(r.code(), r.out(), r.err());
    }

    static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** Columns that time a point (sweep gap's seconds and logitsPerSec): they differ from run to run. */
    static final List<String> TIMING = List.of("seconds", "logitsPerSec");

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The lines of points.jsonl without the timing columns, sorted (points land in the order they finish;
     * every other value must be the same bits: a double is parsed exactly and written back as the shortest
     * text of its bits, so equal lines mean equal bits).
     */
    static List<String> rows(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<String> s = Files.lines(dir.resolve("points.jsonl"))) {
            for (String line : (Iterable<String>) s.filter(l -> !l.isBlank())::iterator) {
                com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
                n.remove(TIMING);
                out.add(n.toString());
            }
        }
        return out.stream().sorted().toList();
    }

    /** Every grid point exactly once: as many rows as the plain run, no row twice, the same bytes. */
    static void assertSamePointsOnce(Path plain, Path other) throws IOException {
        List<String> expected = rows(plain);
        List<String> actual = rows(other);
        Set<String> unique = new HashSet<>(actual);
        assertEquals(actual.size(), unique.size(), "a point landed twice in " + other);
        assertEquals(expected, actual, other + " differs from the plain run " + plain);
        List<String> csvPlain = sortedCsv(plain);
        if (TIMING.stream().noneMatch(c -> csvPlain.stream().anyMatch(l -> l.startsWith(c) || l.contains("," + c)))) {
            assertEquals(csvPlain, sortedCsv(other), "points.csv of " + other + " differs from the plain run");
        }
    }

    private static List<String> sortedCsv(Path dir) throws IOException {
        try (Stream<String> s = Files.lines(dir.resolve("points.csv"))) {
            return s.sorted().toList();
        }
    }

    /** A sweep gap grid small enough for CI: 8 points of a few tokens. */
    static List<String> sweep(Path out, String backend) {
        return List.of("sweep", "gap", "--vocab", "64,256", "--heads", "1,4", "--tokens", "3", "--seed", "1,2",
                "--backend", backend, "--progress", "off", "--format", "json", "--out", out.toString());
    }

    /** A crowding grid small enough for CI: 6 points. */
    static List<String> crowding(Path out, String backend) {
        return List.of("crowding", "--n", "10,100,1000", "--reps", "64", "--law", "gaussian,uniform",
                "--backend", backend, "--progress", "off", "--format", "json", "--out", out.toString());
    }
}
