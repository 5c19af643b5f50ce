package org.gapscope.measure;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.gapscope.api.InputException;

/**
 * Computes a grid's points on other machines (the {@code --spark MASTER} option of the measuring
 * commands). This JVM stays the driver: it opens the {@link RunDirectory}, hands the missing points to
 * {@link #run}, and appends each finished point to the {@link PointLog} as it arrives, so a killed driver
 * loses only the points still running and the same command resumes.
 *
 * <p>The implementation lives in the optional module {@code spark/} (Apache Spark, not on the default
 * classpath); it is found with {@link ServiceLoader} only when a command is given {@code --spark}, so a
 * run without it never loads a class of Spark.
 */
public interface Cluster extends AutoCloseable {

    /** Where {@link #run} hands finished points; called on the thread that called {@code run}. */
    interface Sink {
        /** A point finished: its results (the task's return value). */
        void done(Map<String, ?> key, Map<String, ?> results);

        /**
         * A point failed on every attempt the cluster allows.
         *
         * @param input whether the cause is a problem of the input or the setup (an {@link InputException}
         *              on the machine that ran it, e.g. a backend that machine does not have) rather than a bug
         */
        void failed(Map<String, ?> key, String message, boolean input);
    }

    /**
     * Computes {@code points} with {@code task}, several at a time, and hands each to {@code sink} as it
     * finishes (in the order they finish). Returns when all are handed over, or, once {@code stop} is
     * requested, after cancelling the points still running (those are not handed over).
     *
     * @return whether {@code stop} ended the run early
     */
    boolean run(String label, List<? extends Map<String, ?>> points, PointTask task, Sink sink, StopSignal stop);

    /** One line for people: the master and what it offers, e.g. {@code "spark local[2] (2 cores)"}. */
    String describe();

    /** The master as given. */
    String master();

    @Override
    void close();

    /** What the {@code spark/} module registers (META-INF/services). */
    interface Provider {
        /** Connects to {@code master}; a master that is malformed or cannot be reached is an {@link InputException}. */
        Cluster open(String master, String appName);
    }

    /** Opens the cluster at {@code master} through the registered {@link Provider}. */
    static Cluster open(String master, String appName) {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            return p.open(master, appName);
        }
        throw new InputException("--spark " + master + ": the Spark module is not on the classpath (run through "
                + "scripts/gapscope, which adds it when given --spark, or spark-submit with gapscope-spark.jar)");
    }
}
