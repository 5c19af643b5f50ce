package org.gapscope.measure;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT, or SIGTERM) handling for long runs: a shutdown hook sets a flag that the run loop
 * checks between points, and then waits until the loop has finished the current point, recorded it and
 * called {@link #close()} (at most {@link #GRACE_MINUTES} minutes), so the JVM exits after a clean stop
 * with every finished point on disk. SIGKILL cannot be caught; {@link PointLog} is safe against it anyway.
 *
 * <p><b>Exit status.</b> A JVM stopped by a signal normally exits with 128 + the signal's number whatever
 * the command did. The launcher reports the command's own exit code through {@link #exitWith} instead;
 * a hook that is waiting then ends the JVM with that code, so a run that Ctrl-C reached after its last
 * point (nothing left to resume) exits 0, and one stopped before its end exits with the command's 130.
 *
 * <pre>{@code
 * try (StopSignal stop = StopSignal.install()) {
 *     for (...) { if (stop.requested()) break; ... }
 * }   // close() releases the hook (and lets a pending shutdown proceed)
 * }</pre>
 */
public final class StopSignal implements AutoCloseable {
    /** How long the shutdown hook waits for the current point to finish. */
    public static final long GRACE_MINUTES = 10;

    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopSignal(boolean withHook) {
        this.hook = withHook ? new Thread(this::onShutdown, "gapscope-stop") : null;
    }

    /** Installs the shutdown hook. */
    public static StopSignal install() {
        StopSignal s = new StopSignal(true);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** A signal without a hook (for tests and embedding): only {@link #request()} sets it. */
    public static StopSignal manual() {
        return new StopSignal(false);
    }

    /** How long a hook waits, after its run finished, for the launcher's exit code. */
    static final long EXIT_WAIT_SECONDS = 30;

    private static final CountDownLatch EXIT_DECIDED = new CountDownLatch(1);
    private static volatile int exitStatus;

    private void onShutdown() {
        requested = true;
        try {
            finished.await(GRACE_MINUTES, TimeUnit.MINUTES);
            if (EXIT_DECIDED.await(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(exitStatus);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The launcher's exit code, once the command has returned and printed everything: a shutdown under
     * way (Ctrl-C during the run) ends the JVM with it rather than with 130 from the signal.
     */
    public static void exitWith(int status) {
        exitStatus = status;
        EXIT_DECIDED.countDown();
    }

    /** Asks the loop to stop after the current point. */
    public void request() {
        requested = true;
    }

    /** Whether a stop was asked for (Ctrl-C, SIGTERM or {@link #request()}). */
    public boolean requested() {
        return requested;
    }

    /** Releases the hook; when a shutdown is under way, lets it proceed. */
    @Override
    public void close() {
        finished.countDown();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that finished is counted down
            }
        }
    }
}
