package org.gapscope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.InputException;
import org.gapscope.reproduce.Reproduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Compute every checkable number of both papers into docs/REPRODUCTION.md.",
            "For each: where it is, what the paper prints, what gapscope computes, and whether they agree."})
public final class ReproduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write (or, with --check, compare) the document. Default: docs/REPRODUCTION.md"
                    + " of the gapscope checkout this program runs from, whatever the working directory.")
    Path out;

    /** The system property the launcher sets to the checkout's root. */
    static final String ROOT_PROPERTY = "gapscope.root";
    static final Path DOC = Path.of("docs", "REPRODUCTION.md");

    @Option(names = "--backend", defaultValue = "reference", paramLabel = "NAME",
            description = "Backend to compute with. Default: ${DEFAULT-VALUE} (the committed document is made with it).")
    String backend;

    @Option(names = "--check", description = "Do not write: exit 1 if FILE differs from what would be written.")
    boolean check;

    @Option(names = "--debug", description = "Show stack traces of errors.")
    boolean debug;

    @Override
    public Integer call() throws IOException {
        Backend b = Backends.select(backend);
        Path out = this.out != null ? this.out : checkoutRoot().resolve(DOC);
        String doc = Reproduction.markdown(b);
        if (check) {
            if (!Files.isRegularFile(out)) {
                spec.commandLine().getOut().println(out + ": missing (run 'gapscope reproduce' to write it)");
                return 1;
            }
            boolean same = Files.readString(out, StandardCharsets.UTF_8).equals(doc);
            spec.commandLine().getOut().println(out + (same ? ": up to date" : ": differs from what the engine computes"));
            return same ? 0 : 1;
        }
        Path parent = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".reproduction", ".tmp");
            Files.writeString(tmp, doc, StandardCharsets.UTF_8);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InputException("--out " + out + ": cannot write: " + e.getMessage());
        }
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }

    /**
     * The root of the gapscope checkout: the launcher's {@code -Dgapscope.root}, else the nearest directory
     * above this program's classes or jar that holds docs/MATH.md and pom.xml. Without one (an installed
     * jar), --out is required.
     */
    static Path checkoutRoot() {
        String prop = System.getProperty(ROOT_PROPERTY);
        if (prop != null && !prop.isEmpty() && isCheckout(Path.of(prop))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        try {
            var src = ReproduceCommand.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                for (Path p = Path.of(src.getLocation().toURI()).toAbsolutePath(); p != null; p = p.getParent()) {
                    if (isCheckout(p)) {
                        return p;
                    }
                }
            }
        } catch (java.net.URISyntaxException | IllegalArgumentException | SecurityException e) {
            // fall through to the refusal
        }
        throw new InputException("reproduce: cannot find the gapscope checkout this program runs from; give --out FILE");
    }

    private static boolean isCheckout(Path p) {
        return Files.isRegularFile(p.resolve("docs").resolve("MATH.md")) && Files.isRegularFile(p.resolve("pom.xml"));
    }
}
