package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help texts: wrapped at 100 columns, and the command list shows whole sentences. */
class HelpTextTest {

    /** Every command path, e.g. [], [gap], [sweep], [sweep, gap]. */
    static List<List<String>> commands() {
        List<List<String>> out = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), out);
        return out;
    }

    static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                List<String> p = new ArrayList<>(path);
                p.add(e.getKey());
                collect(e.getValue(), p, out);
            }
        }
    }

    static String help(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), path + ": " + r.err());
        return r.out();
    }

    @Test
    void everyHelpLineFitsOneHundredColumns() {
        assertTrue(commands().size() >= 12, commands().toString());
        for (List<String> c : commands()) {
            for (String line : help(c).lines().toList()) {
                assertTrue(line.length() <= Main.USAGE_WIDTH, c + ": " + line.length() + " columns: " + line);
            }
        }
    }

    @Test
    void theCommandListShowsWholeSentences() {
        String top = help(List.of());
        List<String> lines = top.lines().toList();
        int start = lines.indexOf("Commands:");
        assertTrue(start > 0, top);
        // rows: "  name   text" then continuation lines indented further; join each row's text
        List<String> rows = new ArrayList<>();
        for (String l : lines.subList(start + 1, lines.size())) {
            if (l.matches("^  \\S.*")) {
                rows.add(l.strip());
            } else if (!l.isBlank() && !rows.isEmpty()) {
                rows.set(rows.size() - 1, rows.getLast() + " " + l.strip());
            }
        }
        assertEquals(commands().stream().filter(c -> c.size() == 1).count() + 1, rows.size(), top);
        for (String row : rows) {
            assertTrue(row.endsWith("."), "cut mid-sentence: " + row);
            assertTrue(row.indexOf('(') < 0 || row.chars().filter(ch -> ch == '(').count()
                    == row.chars().filter(ch -> ch == ')').count(), "unbalanced: " + row);
        }
    }

    @Test
    void studyHelpNamesEachOfItsSteps() {
        String study = help(List.of("study"));
        for (String step : List.of("micro-transformer", "Jensen-gap sweep", "crowding")) {
            assertTrue(study.contains(step), step + " missing from: " + study);
        }
        assertEquals(List.of("micro", "sweep-gap", "crowding"),
                StudyCommand.steps().stream().map(org.gapscope.measure.Study.Step::name).toList(),
                "a new study step must be described in study --help");
    }
}
