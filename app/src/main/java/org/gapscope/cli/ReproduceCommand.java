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

    @Option(names = "--out", defaultValue = "docs/REPRODUCTION.md", paramLabel = "FILE",
            description = "Where to write the document. Default: ${DEFAULT-VALUE}.")
    Path out;

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
        String doc = Reproduction.markdown(b);
        if (check) {
            String have = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
            boolean same = have.equals(doc);
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
}
