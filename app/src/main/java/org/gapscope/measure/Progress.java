package org.gapscope.measure;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress with an ETA, always on stderr (stdout stays clean for JSON). {@link Mode#AUTO} draws a bar
 * (me.tongfei:progressbar) only when the process runs on a terminal; {@link Mode#LINES} prints a plain
 * line at most every 2 seconds (for logs); {@link Mode#OFF} prints nothing.
 */
public final class Progress implements AutoCloseable {
    public enum Mode { AUTO, LINES, OFF }

    private final ProgressBar bar;
    private final PrintStream lines;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long done;
    private long counted;
    private long lastLine;

    private Progress(String label, long total, long alreadyDone, Mode mode) {
        this.label = label;
        this.total = total;
        this.done = alreadyDone;
        Mode m = mode == Mode.AUTO ? (onTerminal() ? Mode.AUTO : Mode.OFF) : mode;
        if (m == Mode.AUTO) {
            bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(500).showSpeed().build();
            bar.stepTo(alreadyDone);
            lines = null;
        } else {
            bar = null;
            lines = m == Mode.LINES ? System.err : null;
        }
    }

    /** Starts progress for {@code total} points of which {@code alreadyDone} were done before (a resume). */
    public static Progress start(String label, long total, long alreadyDone, Mode mode) {
        return new Progress(label, total, alreadyDone, mode);
    }

    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** One more point done. */
    public synchronized void step() {
        done++;
        counted++;
        if (bar != null) {
            bar.step();
        }
        if (lines != null) {
            long now = System.nanoTime();
            if (now - lastLine > 2_000_000_000L || done == total) {
                lastLine = now;
                lines.println(label + ": " + done + "/" + total + " points, elapsed " + fmt(elapsed()) + ", ETA " + eta());
            }
        }
    }

    /** Time since start. */
    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Remaining time from the mean time per point computed in this run, "?" before the first point. */
    public synchronized String eta() {
        if (counted == 0) {
            return "?";
        }
        double per = (double) (System.nanoTime() - startNanos) / counted;
        return fmt(Duration.ofNanos((long) (per * (total - done))));
    }

    static String fmt(Duration d) {
        long s = d.toSeconds();
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
