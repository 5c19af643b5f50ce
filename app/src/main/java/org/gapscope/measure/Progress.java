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
 *
 * <p>The ETA is weighted: each point carries a size (its work, e.g. N x repetitions for crowding or
 * B x H x V logits for {@code sweep gap}), and the time left is the time per unit of work done in this
 * run times the work left, so a grid whose later points are larger is not promised an early end.
 */
public final class Progress implements AutoCloseable {
    public enum Mode { AUTO, LINES, OFF }

    private final ProgressBar bar;
    private final PrintStream lines;
    private final String label;
    private final long total;
    private final double totalWeight;
    private final long startNanos = System.nanoTime();
    private long done;
    private double doneWeight;
    private double countedWeight;
    private long lastLine;

    private Progress(String label, long total, long alreadyDone, double totalWeight, double alreadyDoneWeight, Mode mode) {
        this.label = label;
        this.total = total;
        this.done = alreadyDone;
        this.totalWeight = totalWeight;
        this.doneWeight = alreadyDoneWeight;
        Mode m = mode == Mode.AUTO ? (onTerminal() ? Mode.AUTO : Mode.OFF) : mode;
        if (m == Mode.AUTO) {
            bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setEtaFunction(state -> remaining()).setUpdateIntervalMillis(500).showSpeed().build();
            bar.stepTo(alreadyDone);
            lines = null;
        } else {
            bar = null;
            lines = m == Mode.LINES ? System.err : null;
        }
    }

    /** Starts progress for {@code total} points of which {@code alreadyDone} were done before (a resume). */
    public static Progress start(String label, long total, long alreadyDone, Mode mode) {
        return new Progress(label, total, alreadyDone, total, alreadyDone, mode);
    }

    /**
     * Starts progress for {@code total} points of total size {@code totalWeight}, of which
     * {@code alreadyDone} points of size {@code alreadyDoneWeight} were done before (a resume).
     */
    public static Progress start(String label, long total, long alreadyDone, double totalWeight,
                                 double alreadyDoneWeight, Mode mode) {
        return new Progress(label, total, alreadyDone, totalWeight, alreadyDoneWeight, mode);
    }

    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** One more point of size 1 done. */
    public void step() {
        step(1, 1);
    }

    /** {@code points} more points of total size {@code weight} done. */
    public synchronized void step(int points, double weight) {
        done += points;
        doneWeight += weight;
        countedWeight += weight;
        if (bar != null) {
            bar.stepBy(points);
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

    /** Remaining time, "?" before the first point; see {@link #remaining()}. */
    public synchronized String eta() {
        return remaining().map(Progress::fmt).orElse("?");
    }

    /**
     * Remaining time: the time per unit of size computed in this run times the size left; empty before
     * the first point.
     */
    public synchronized java.util.Optional<Duration> remaining() {
        if (!(countedWeight > 0)) {
            return java.util.Optional.empty();
        }
        double per = (System.nanoTime() - startNanos) / countedWeight;
        return java.util.Optional.of(Duration.ofNanos((long) (per * Math.max(0, totalWeight - doneWeight))));
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
