package org.gapscope.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds backends with {@link ServiceLoader} and selects one by name or as the fastest available. */
public final class Backends {
    private Backends() {}

    /** How to get the tornado backend, for builds and JVMs without it. */
    public static final String TORNADO_ADVICE = "The tornado backend needs an installed TornadoVM (built from"
            + " https://github.com/beehive-lab/TornadoVM with its OpenCL or PTX backend): set TORNADOVM_HOME to it"
            + " and run scripts/gapscope, which then builds gapscope with -Ptornado and starts the JVM with"
            + " TornadoVM's argfile (README, 'GPU workstation').";

    /** Every registered backend, available or not, fastest first. */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class)) {
            list.add(b);
        }
        list.sort(Comparator.comparingInt(Backend::priority).reversed());
        return list;
    }

    /** The backend called {@code name}, or the fastest available one for "auto". */
    public static Backend select(String name) {
        List<Backend> all = all();
        if (name == null || name.equalsIgnoreCase("auto")) {
            return all.stream().filter(Backend::available).findFirst()
                    .orElseThrow(() -> new InputException("--backend auto: no backend is available"));
        }
        for (Backend b : all) {
            if (b.name().equalsIgnoreCase(name)) {
                if (!b.available()) {
                    throw new InputException("--backend " + name + ": not available here: " + b.unavailableReason());
                }
                return b;
            }
        }
        throw new InputException("--backend " + name + ": unknown backend (known: auto, "
                + all.stream().map(Backend::name).collect(Collectors.joining(", ")) + ")"
                + (name.equalsIgnoreCase("tornado") ? ". This build has no tornado backend. " + TORNADO_ADVICE : ""));
    }
}
