package org.gapscope.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The base of a command that only groups subcommands ({@code sweep}, {@code example}): run without one,
 * it is bad input (exit 2) and says so in one line naming the subcommands.
 */
abstract class GroupCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand (one of: "
                + String.join(", ", spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList())
                + "); see 'gapscope %s --help'".formatted(spec.name()));
    }
}
