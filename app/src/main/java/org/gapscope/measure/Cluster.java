package org.gapscope.measure;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.InputException;

/**
 * Computes a {@link Sweep}'s points on other machines (the {@code --spark MASTER} option of
 * {@code sweep gap}, {@code crowding} and {@code margin}). This JVM stays the driver: it opens the
 * {@link RunDirectory}, hands the missing points to {@link #run}, and appends each finished point to the
 * {@link PointLog} as it arrives, so a killed driver loses only the points still running and the same
 * command resumes. The sweep and its points travel to the executors by Java serialization.
 *
 * <p>The implementation lives in the optional module {@code spark/} (Apache Spark, not on the default
 * class path); it is found with {@link ServiceLoader} only when a command is given {@code --spark}, so a
 * run without it never loads a class of Spark.
 */
public interface Cluster extends AutoCloseable {

    /** Where {@link #run} hands finished points; called on the thread that called {@code run}. */
    interface Sink<P> {
        /** A point finished: its result columns. */
        void done(P point, Map<String, Object> results);

        /**
         * A point failed on every attempt the cluster allows.
         *
         * @param input whether the cause is a problem of the input or the set-up (an {@link InputException}
         *              on the machine that ran it, e.g. a backend that machine does not have) rather than a bug
         */
        void failed(P point, String message, boolean input);
    }

    /**
     * Computes {@code points} of {@code sweep}, several at a time, each on the executor's backend named
     * {@code backend}, and hands each to {@code sink} as it finishes (in the order they finish). Returns
     * when all are handed over, or, once {@code stop} is requested, after cancelling the points still
     * running (those are not handed over).
     *
     * @return whether {@code stop} ended the run early
     */
    <P extends Sweep.Point> boolean run(Sweep<P> sweep, List<P> points, String backend, Sink<P> sink, StopSignal stop);

    /** One line for people: the master and the application, e.g. {@code "spark local[2] (Spark 4.2.0, ...)"}. */
    String describe();

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
        throw new InputException("--spark " + master + ": the Spark module is not on the class path (run through "
                + "scripts/gapscope, which adds it when given --spark, or spark-submit with gapscope-spark.jar)");
    }

    /** The backend name each executor resolves for itself. */
    String AUTO = "auto";

    /**
     * The column naming, per point, the backend that computed it (rows of a run with {@code --backend auto}
     * on a cluster; a point split into ranges that ran on different backends names each, in range order,
     * joined by '+').
     */
    String BACKEND_COLUMN = "backend";

    /**
     * {@code --backend auto} on a cluster: a backend called {@code auto} (run identity and manifest) whose
     * points each executor computes on its own {@code auto} choice ({@link #backend}); {@code driver} (this
     * JVM's choice) answers the checks made before the run.
     */
    static Backend perExecutor(Backend driver) {
        return new PerExecutorBackend(driver);
    }

    /**
     * The backend {@code name} of this JVM (an executor), opened once per name and TornadoVM device (the
     * system property {@code gapscope.tornado.device}, which a cluster sets from the GPU it assigns to
     * the task) and reused by later tasks. {@code auto} is resolved here, per executor, as
     * {@link Backends#select} resolves it: tornado where TornadoVM has a GPU or accelerator (the one the
     * cluster assigned to the task, when it assigns GPUs), else cpu (tornado on a CPU OpenCL device ranks
     * below cpu).
     */
    static Backend backend(String name) {
        String device = Objects.toString(System.getProperty("gapscope.tornado.device"), "");
        return Opened.BACKENDS.computeIfAbsent(name + "@" + device, k -> Backends.select(name));
    }

    /** The backends this JVM has opened for tasks. */
    final class Opened {
        private Opened() {}

        static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();
    }
}
