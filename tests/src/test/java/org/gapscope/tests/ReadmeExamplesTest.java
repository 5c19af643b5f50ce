package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gapscope.api.Tensor;
import org.gapscope.cli.Main;
import org.gapscope.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's examples run as written: every {@code scripts/gapscope ...} command in README.md (in a code
 * block or inline code) is run through the CLI, with files it names created here, grids made smaller
 * where a flag sets a size (the values stay valid, only fewer or smaller points), and output directories
 * put in a temporary directory. Each must exit 0, or, for the tornado backend on a machine without it,
 * exit 2 with one line about tornado. The synopses of the Commands table are checked too: each option
 * they show must exist on that command.
 */
class ReadmeExamplesTest {
    static final Path README = Path.of("..", "README.md");

    @TempDir
    Path tmp;

    /** Commands not run here, with the reason (each is run by the test named). */
    static final Map<String, String> NOT_RUN = Map.of(
            "study", "StudyTest runs the whole study");

    /** Commands whose size flags are capped (elsewhere a flag of the same name may mean something else). */
    static final Set<String> CAPPED = Set.of("sweep", "crowding", "margin", "positional", "bench");

    /** Size flags and the largest value the test keeps for each (larger values are replaced by it). */
    static final Map<String, Double> CAPS = Map.of("--vocab", 4096.0, "--n", 100_000.0, "--reps", 50.0,
            "--batch", 2.0, "--tokens", 2.0, "--delta-max", 10_000.0, "--seq", 64.0);

    static List<String> examples() throws Exception {
        String text = Files.readString(README);
        Set<String> out = new LinkedHashSet<>();
        Matcher inline = Pattern.compile("`scripts/gapscope( [^`]*)?`").matcher(text);
        while (inline.find()) {
            out.add(inline.group(1) == null ? "" : inline.group(1).strip());
        }
        boolean code = false;
        for (String line : text.lines().toList()) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (code && line.startsWith("scripts/gapscope")) {
                out.add(line.replaceFirst("\\s+#.*$", "").substring("scripts/gapscope".length()).strip());
            }
        }
        return new ArrayList<>(out);
    }

    record Run(int code, String out, String err) {}

    static Run run(List<String> args) {
        Main.Result r = Main.call(args.toArray(String[]::new));
        return new Run(r.code(), r.out(), r.err());
    }

    /** The example's arguments as the test runs them. */
    List<String> prepare(String example, int index) throws Exception {
        List<String> args = new ArrayList<>(List.of(example.split("\\s+")));
        args.removeIf(String::isEmpty);
        boolean capped = !args.isEmpty() && CAPPED.contains(args.get(0));
        Path root = README.toAbsolutePath().getParent().normalize();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("-") && a.contains("/") && Files.exists(root.resolve(a))) {
                args.set(i, root.resolve(a).toString()); // a path of the checkout, as from its root
                continue;
            }
            if (a.endsWith(".npy") && !a.startsWith("-")) {
                Path f = tmp.resolve(Path.of(a).getFileName());
                if (!Files.exists(f)) {
                    double[] x = new double[2 * 3 * 16];
                    for (int k = 0; k < x.length; k++) {
                        x[k] = Math.sin(0.37 * k);
                    }
                    Npy.write(f, Tensor.of(x, 2, 3, 16));
                }
                args.set(i, f.toString());
            }
            if (capped && CAPS.containsKey(a) && i + 1 < args.size()) {
                double cap = CAPS.get(a);
                List<String> kept = new ArrayList<>();
                for (String v : args.get(i + 1).split(",")) {
                    double d = Double.parseDouble(v);
                    String s = d > cap ? String.valueOf((long) cap) : v;
                    if (!kept.contains(s)) {
                        kept.add(s);
                    }
                }
                args.set(i + 1, String.join(",", kept));
            }
            if (a.equals("--out") && i + 1 < args.size()) {
                args.set(i + 1, tmp.resolve("out-" + index).resolve(Path.of(args.get(i + 1)).getFileName()).toString());
            }
        }
        boolean writesRun = !args.isEmpty() && List.of("sweep", "crowding", "margin", "positional").contains(args.get(0));
        if (writesRun && !args.contains("--out")) {
            args.addAll(List.of("--out", tmp.resolve("run-" + index).toString()));
        }
        if (!args.isEmpty() && args.get(0).equals("reproduce") && !args.contains("--check") && !args.contains("--out")) {
            args.addAll(List.of("--out", tmp.resolve("REPRODUCTION-" + index + ".md").toString()));
        }
        if ((writesRun || (!args.isEmpty() && args.get(0).equals("study"))) && !args.contains("--progress")) {
            args.addAll(List.of("--progress", "off"));
        }
        return args;
    }

    @Test
    void everyLauncherExampleRunsAsWritten() throws Exception {
        List<String> examples = examples();
        assertTrue(examples.size() >= 10, "README has fewer examples than expected: " + examples);
        List<String> failures = new ArrayList<>();
        int index = 0;
        for (String example : examples) {
            index++;
            String command = example.isEmpty() ? "" : example.split("\\s+")[0];
            if (NOT_RUN.containsKey(command)) {
                continue;
            }
            List<String> args = prepare(example, index);
            Run r = run(args);
            boolean tornado = args.contains("tornado");
            boolean ok = r.code() == 0
                    || tornado && r.code() == 2 && r.err().strip().lines().count() == 1 && r.err().contains("tornado");
            if (!ok) {
                failures.add("scripts/gapscope " + example + "  (ran " + args + "): exit " + r.code() + ": " + r.err().strip());
            }
        }
        assertEquals(List.of(), failures);
    }

    /** The Commands table: every option a synopsis shows exists on that command. */
    @Test
    void theCommandTableNamesOnlyOptionsThatExist() throws Exception {
        CommandLine root = new CommandLine(new Main());
        List<String> problems = new ArrayList<>();
        int rows = 0;
        for (String line : Files.readAllLines(README)) {
            Matcher m = Pattern.compile("^\\| `([a-z]+(?: [a-z]+)?)( [^`]*)?` \\|").matcher(line);
            if (!m.find()) {
                continue;
            }
            String[] names = m.group(1).split(" ");
            CommandLine c = root.getSubcommands().get(names[0]);
            if (c == null) {
                continue; // the Backends table
            }
            if (names.length > 1 && c.getSubcommands().containsKey(names[1])) {
                c = c.getSubcommands().get(names[1]);
            }
            rows++;
            Matcher opt = Pattern.compile("(--[a-z][a-z0-9-]*)").matcher(m.group(2) == null ? "" : m.group(2));
            while (opt.find()) {
                if (c.getCommandSpec().findOption(opt.group(1)) == null) {
                    problems.add(m.group(1) + ": no option " + opt.group(1));
                }
            }
        }
        assertTrue(rows >= 10, "Commands table not found");
        assertEquals(List.of(), problems);
    }
}
