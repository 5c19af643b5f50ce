package org.gapscope.tornado;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gapscope.api.DeviceException;
import org.gapscope.api.DeviceInfo;

/**
 * TornadoVM could not run an op on the device (a bailout: the task did not compile for it; or a
 * device or driver error). gapscope never falls back to another backend: the op fails with this
 * error. Its message is one line of at most {@link #MAX_LINE} characters naming the op, the device and
 * the first error (for a kernel the device's compiler rejects: the compiler's first error line); the
 * whole report (TornadoVM's exceptions and everything it printed while compiling, colour codes
 * removed) is {@link #detail()}, which the CLI shows with --debug.
 */
public final class TornadoFailure extends DeviceException {
    /** The longest message: one terminal line and a half. */
    static final int MAX_LINE = 300;

    public TornadoFailure(String op, DeviceInfo device, Throwable cause) {
        this(op, device, cause, "");
    }

    /**
     * @param printed what TornadoVM and its native layer printed while the op was compiled and run (the
     *                device compiler's build log among it); may be empty
     */
    public TornadoFailure(String op, DeviceInfo device, Throwable cause, String printed) {
        super(message(op, device.id() + " (" + device.name() + ")", cause, printed), detail(cause, printed), cause);
    }

    static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    static final Pattern TASK = Pattern.compile("Unable to compile task (\\S+)");

    static String plain(String s) {
        return s == null ? "" : ANSI.matcher(s).replaceAll("");
    }

    /** The one-line message. */
    static String message(String op, String device, Throwable cause, String printed) {
        String chain = plain(chain(cause));
        String log = plain(printed);
        String compilerError = firstCompilerError(log);
        Matcher task = TASK.matcher(chain);
        String head = "tornado: " + op + " failed on device " + device + ": ";
        String what;
        if (compilerError != null) {
            what = "the device compiler rejected " + (task.find() ? "task " + task.group(1) : "the kernel") + ": "
                    + compilerError;
        } else {
            what = firstLine(innermost(cause));
        }
        String tail = " (--debug shows TornadoVM's report; --backend cpu computes on the host)";
        int room = MAX_LINE - head.length() - tail.length();
        if (what.length() > room) {
            what = what.substring(0, Math.max(0, room - 3)) + "...";
        }
        return head + what + tail;
    }

    /**
     * The first error line of a device compiler's log: the first line that says "error" (as compilers
     * print it, e.g. {@code <source>:3:5: error: ...}), else the first line after TornadoVM's "Build Error
     * Log" header; null when the log holds no build error.
     */
    static String firstCompilerError(String log) {
        int header = log.indexOf("Build Error Log");
        if (header < 0) {
            return null;
        }
        String after = log.substring(log.indexOf('\n', header) < 0 ? log.length() : log.indexOf('\n', header) + 1);
        String first = null;
        for (String line : after.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("[TornadoVM")) {
                continue;
            }
            if (line.toLowerCase().contains("error")) {
                return line;
            }
            if (first == null) {
                first = line;
            }
        }
        return first;
    }

    static Throwable innermost(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    static String firstLine(Throwable t) {
        String m = plain(t.getMessage());
        String name = t.getClass().getSimpleName();
        if (m.isBlank()) {
            return name;
        }
        int stack = m.indexOf(" Stacktrace:");
        if (stack > 0) {
            m = m.substring(0, stack);
        }
        String line = m.strip().lines().findFirst().orElse("").strip();
        return name + ": " + line;
    }

    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    static String detail(Throwable cause, String printed) {
        String log = plain(printed).strip();
        return "TornadoVM's exceptions:\n" + plain(chain(cause)).strip()
                + (log.isEmpty() ? "" : "\nprinted by TornadoVM while compiling and running:\n" + log);
    }

    /** Kept for callers that only need the cause chain in one line (e.g. a reason for unavailability). */
    static String reason(Throwable t) {
        StringBuilder sb = new StringBuilder();
        boolean bailout = false;
        for (Throwable c = t; c != null && sb.length() < 400; c = c.getCause() == c ? null : c.getCause()) {
            bailout |= c.getClass().getSimpleName().contains("Bailout");
            String m = c.getMessage() == null ? c.getClass().getSimpleName()
                    : c.getClass().getSimpleName() + ": " + plain(c.getMessage()).replace('\n', ' ').trim();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : "; caused by ").append(m);
            }
        }
        return (bailout ? "TornadoVM bailed out (the task did not compile or run on this device): " : "") + sb;
    }
}
