package org.gapscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The base of every command that runs an op and prints its result: the options all commands share
 * ({@link Common}: backend, format, device, debug) and the command's picocli spec, whose stdout the
 * result goes to (so that a test's CommandLine captures it). picocli reads the annotated fields of a
 * superclass first: the shared options come first in every command's help.
 */
abstract class BaseCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    /** Prints {@code text} on the command's stdout. */
    void print(Object text) {
        spec.commandLine().getOut().print(text);
    }
}
