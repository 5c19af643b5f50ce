package org.gapscope.measure;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;

/**
 * What computes one grid point from its key map (the values of the key columns as given to the
 * {@link RunLoop}) and returns the result columns. Serializable, so that a {@link Cluster} can ship it to
 * the machines that compute: a task captures only plain values (the grid's options and the resolved
 * backend name) and rebuilds what it needs on the machine that runs it, with {@link #backend(String)}
 * for the backend.
 */
@FunctionalInterface
public interface PointTask extends Serializable {

    /** The point's result columns (parameters are copied in by the caller). */
    Map<String, ?> compute(Map<String, ?> key);

    /**
     * The backend {@code name} of this JVM, opened once per name and TornadoVM device (the system
     * property {@code gapscope.tornado.device}, which a cluster sets from the device it assigns to the
     * task) and reused by later tasks.
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
