package org.gapscope.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds backends with {@link ServiceLoader} and selects one by name or as the fastest available. It
 * knows no backend by name: each describes itself ({@link Backend#available()},
 * {@link Backend#unavailableReason()}), and a backend missing from the build is described by its
 * {@link BackendHint}.
 */
public final class Backends {
    private Backends() {}

    /** Every registered backend with default options, available or not, fastest first. */
    public static List<Backend> all() {
        return all(BackendOptions.DEFAULTS);
    }

    /** Every registered backend configured with {@code options}, available or not, fastest first. */
    public static List<Backend> all(BackendOptions options) {
        List<Backend> list = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class)) {
            list.add(b.configured(options));
        }
        list.sort(Comparator.comparingInt(Backend::priority).reversed());
        return list;
    }

    /** The hints of backends that are not registered in this build (by name). */
    public static List<BackendHint> missing() {
        List<String> names = all().stream().map(Backend::name).toList();
        List<BackendHint> out = new ArrayList<>();
        for (BackendHint h : ServiceLoader.load(BackendHint.class)) {
            if (names.stream().noneMatch(n -> n.equalsIgnoreCase(h.name()))) {
                out.add(h);
            }
        }
        return out;
    }

    /** The backend called {@code name} with default options, or the fastest available one for "auto". */
    public static Backend select(String name) {
        return select(name, BackendOptions.DEFAULTS);
    }

    /** The backend called {@code name} configured with {@code options}, or the fastest available for "auto". */
    public static Backend select(String name, BackendOptions options) {
        List<Backend> all = all(options);
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
        Optional<BackendHint> hint = missing().stream().filter(h -> h.name().equalsIgnoreCase(name)).findFirst();
        throw new InputException("--backend " + name + ": unknown backend (known: auto, "
                + all.stream().map(Backend::name).collect(Collectors.joining(", ")) + ")"
                + hint.map(h -> ". This build has no " + h.name() + " backend. " + h.advice()).orElse(""));
    }
}
