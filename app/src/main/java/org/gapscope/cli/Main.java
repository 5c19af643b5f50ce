package org.gapscope.cli;

import java.io.PrintWriter;
import org.gapscope.api.InputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The gapscope command line. Each subcommand is one class in this package; user-facing problems
 * ({@link InputException}, bad flags) print one line and exit with 2; anything else is a bug: one line
 * and exit 1, with the stack trace only under {@code --debug}.
 */
@Command(name = "gapscope", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Softmax aggregation at scale: Jensen gaps, crowding, attention and LSE on CPU and TornadoVM"
            + " devices.", "The formulas are in docs/MATH.md; 'gapscope COMMAND --help' describes each command."},
        subcommands = {GapCommand.class, SweepCommand.class, StudyCommand.class, ExampleCommand.class, DevicesCommand.class, ReproduceCommand.class,
            CrowdingCommand.class, MarginCommand.class, PositionalCommand.class, BenchCommand.class, ModelCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static final int EXIT_INPUT = 2;
    public static final int EXIT_BUG = 1;
    /** A device backend could not run an op on its device (e.g. its compiler rejected a kernel). */
    public static final int EXIT_DEVICE = 4;
    /** Help text is wrapped at this many columns. */
    public static final int USAGE_WIDTH = 100;

    @Override
    public void run() {
        new CommandLine(this).setUsageHelpWidth(USAGE_WIDTH).usage(System.out);
    }

    public static void main(String[] args) {
        Stderr.install();
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        // after Ctrl-C the JVM is already shutting down: its stop hook ends it with this code
        org.gapscope.measure.StopSignal.exitWith(code);
        System.exit(code);
    }

    /** A command line's exit code and what it printed on stdout and on stderr. */
    public record Result(int code, String out, String err) {}

    /** Runs the CLI in this JVM and returns its exit code and output (tests, embedding). */
    public static Result call(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpWidth(USAGE_WIDTH);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(commandName(ex.getCommandLine()) + ": " + oneLine(ex.getMessage()));
            if (debug) {
                ex.printStackTrace(err);
            }
            return EXIT_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            Throwable t = ex;
            while (!(t instanceof InputException) && t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            Throwable device = ex;
            while (!(device instanceof org.gapscope.api.DeviceException) && device.getCause() != null
                    && device.getCause() != device) {
                device = device.getCause();
            }
            if (device instanceof org.gapscope.api.DeviceException d) {
                err.println(commandName(c) + ": " + oneLine(d.getMessage()));
                if (debug) {
                    err.println(d.detail());
                    ex.printStackTrace(err);
                }
                return EXIT_DEVICE;
            }
            if (t instanceof InputException) {
                err.println(commandName(c) + ": " + oneLine(t.getMessage()));
                if (debug) {
                    ex.printStackTrace(err);
                }
                return EXIT_INPUT;
            }
            err.println(commandName(c) + ": internal error: " + oneLine(String.valueOf(ex))
                    + (debug ? "" : " (run with --debug for the stack trace)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            return EXIT_BUG;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static String commandName(CommandLine c) {
        return c.getCommandSpec().qualifiedName();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ').trim();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"gapscope " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
