package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every documentation reference in the repository resolves inside the repository: a user's clone must
 * not point at files it does not have. Scanned: the sources, scripts, poms and Markdown files of the
 * working tree (build outputs, results and hidden directories skipped). A reference is
 * <ul>
 *   <li>any path that climbs out of its directory, {@code ../something} (always refused: nothing in a
 *       clone may depend on what lies next to it);</li>
 *   <li>a document name {@code NAME.md} (upper-case name, with or without {@code docs/}): it must be a
 *       file at the root, in docs/, or next to the referring file;</li>
 *   <li>{@code MATH.md section N}, {@code MATH.md sections N and M}, {@code MATH.md §N}: docs/MATH.md
 *       must have a heading {@code ## N.};</li>
 *   <li>a relative Markdown link {@code [text](path)} in a .md file, resolved from that file's directory;</li>
 *   <li>in .md files, a code path of a module ({@code app/…}, {@code core/…}, {@code tests/…}, …).</li>
 * </ul>
 */
class DocReferencesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static final Set<String> SKIP_DIRS = Set.of("target", "results", "node_modules", "__pycache__");
    static final Set<String> TEXT = Set.of("java", "md", "xml", "sh", "py", "txt", "properties", "json", "yml");

    static final Pattern CLIMB = Pattern.compile("(?<![\\w.])\\.\\./[\\w.\\-/]+");
    static final Pattern DOC_NAME = Pattern.compile("(?<![\\w/.\\-])((?:docs/)?[A-Z][A-Z0-9_\\-]*\\.md)\\b");
    static final Pattern MATH_SECTION = Pattern.compile(
            "MATH\\.md(?:'s)?\\s*(?:,\\s*)?(?:sections?\\s+|§\\s*)(\\d+)(?:\\s*(?:,|and|–|-)\\s*(\\d+))?");
    static final Pattern MD_LINK = Pattern.compile("\\]\\(([^)\\s#]+)(?:#[^)]*)?\\)");
    static final Pattern MODULE_PATH = Pattern.compile(
            "(?<![\\w/.\\-])((?:kernels|core|app|tornado|tests|bench|scripts|docs)/[\\w.\\-/]+)");

    /** The files scanned: text files of the working tree, no build outputs. */
    static List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            s.filter(Files::isRegularFile).filter(p -> {
                Path rel = ROOT.relativize(p);
                for (Path part : rel) {
                    String n = part.toString();
                    if (n.startsWith(".") || SKIP_DIRS.contains(n)) {
                        return false;
                    }
                }
                String name = p.getFileName().toString();
                int dot = name.lastIndexOf('.');
                if (name.equals("DocReferencesTest.java")) {
                    return false; // its examples of dangling references are deliberate
                }
                return rel.startsWith("scripts") || dot > 0 && TEXT.contains(name.substring(dot + 1));
            }).forEach(out::add);
        }
        return out;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Section numbers N of the "## N." headings of docs/MATH.md. */
    static Set<Integer> mathSections() {
        Set<Integer> sections = new TreeSet<>();
        Path math = ROOT.resolve("docs/MATH.md");
        if (Files.isRegularFile(math)) {
            Matcher m = Pattern.compile("(?m)^## (\\d+)\\.").matcher(read(math));
            while (m.find()) {
                sections.add(Integer.parseInt(m.group(1)));
            }
        }
        return sections;
    }

    /** Every dangling reference in {@code text} of the file {@code file}, as "file:line: what". */
    static List<String> dangling(Path file, String text, Set<Integer> sections) {
        List<String> bad = new ArrayList<>();
        String where = ROOT.relativize(file).toString();
        boolean md = where.endsWith(".md");
        Matcher m = CLIMB.matcher(text);
        while (m.find()) {
            bad.add(where + ":" + line(text, m.start()) + ": refers outside the repository: " + m.group());
        }
        m = DOC_NAME.matcher(text);
        while (m.find()) {
            String ref = m.group(1);
            String name = ref.startsWith("docs/") ? ref.substring(5) : ref;
            boolean found = ref.startsWith("docs/") ? Files.isRegularFile(ROOT.resolve(ref))
                    : Files.isRegularFile(ROOT.resolve(name)) || Files.isRegularFile(ROOT.resolve("docs").resolve(name))
                    || Files.isRegularFile(file.resolveSibling(name));
            if (!found) {
                bad.add(where + ":" + line(text, m.start()) + ": no such document: " + ref);
            }
        }
        m = MATH_SECTION.matcher(text);
        while (m.find()) {
            for (int g = 1; g <= 2; g++) {
                if (m.group(g) != null && !sections.contains(Integer.parseInt(m.group(g)))) {
                    bad.add(where + ":" + line(text, m.start()) + ": docs/MATH.md has no section " + m.group(g)
                            + ": " + m.group());
                }
            }
        }
        if (md) {
            m = MD_LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue;
                }
                if (!Files.exists(file.resolveSibling(target).normalize())) {
                    bad.add(where + ":" + line(text, m.start()) + ": broken link: " + target);
                }
            }
            m = MODULE_PATH.matcher(text);
            while (m.find()) {
                String path = m.group(1).replaceAll("[.,:;]+$", "");
                if (path.contains("/target/") || path.contains("<")) {
                    continue;
                }
                if (!Files.exists(ROOT.resolve(path))) {
                    bad.add(where + ":" + line(text, m.start()) + ": no such path: " + path);
                }
            }
        }
        return bad;
    }

    static int line(String text, int offset) {
        int n = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    @Test
    void everyDocReferenceResolvesInsideTheRepository() throws IOException {
        assertTrue(Files.isRegularFile(ROOT.resolve("pom.xml")) && Files.isDirectory(ROOT.resolve("tests")),
                "the tests run from tests/ of the repository: " + ROOT);
        Set<Integer> sections = mathSections();
        List<String> bad = new ArrayList<>();
        for (Path f : files()) {
            bad.addAll(dangling(f, read(f), sections));
        }
        assertEquals(List.of(), bad, "dangling documentation references");
    }

    @Test
    void mathDocumentHasTheSectionsTheCodeCites() {
        // sections 1-10 are the ones the sources cite (LSE, attention, Gamma, mixture gaps, attribution,
        // micro-transformer, crowding, positional, random numbers); 10 the per-head logits of a checkpoint
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), mathSections());
    }

    /** The scanner itself must catch each kind of dangling reference (else the test above proves nothing). */
    @Test
    void theScannerCatchesEachKind() {
        Set<Integer> sections = mathSections();
        Path readme = ROOT.resolve("README.md");
        Path javaFile = ROOT.resolve("core/src/main/java/Some.java");
        assertEquals(1, dangling(javaFile, "see ../" + "sh" + "ared/spec/MATH.md", sections).stream()
                .filter(s -> s.contains("outside")).count());
        assertEquals(1, dangling(javaFile, "(KERNEL-BODIES.md)", sections).size());
        assertEquals(1, dangling(javaFile, "docs/NOPE.md", sections).size());
        assertEquals(1, dangling(javaFile, "(MATH.md section 42)", sections).size());
        assertEquals(1, dangling(javaFile, "with the conventions of MATH.md §17.", sections).size());
        assertEquals(1, dangling(javaFile, "MATH.md sections 7 and 99", sections).size());
        assertTrue(dangling(readme, "[x](docs/missing.md)", sections).stream().anyMatch(s -> s.contains("broken link")));
        assertEquals(1, dangling(readme, "`app/src/main/java/org/gapscope/Nope.java`", sections).size());
        assertEquals(List.of(), dangling(javaFile, "docs/MATH.md section 7, MATH.md §1, docs/CROWDING.md",
                sections));
        assertEquals(List.of(), dangling(readme, "[MATH](docs/MATH.md) and [web](https://x.org/a.md)", sections));
    }
}
