package org.gapscope.cli;

import org.gapscope.api.Backend;
import org.gapscope.api.BackendOptions;
import org.gapscope.api.Backends;
import picocli.CommandLine.Option;

/** Options every command shares (a picocli mixin). */
public final class Common {
    public enum Format { json, table }

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "reference, cpu, tornado, or auto (fastest available). Default: ${DEFAULT-VALUE}.")
    public String backend;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FMT",
            description = "json or table. Default: ${DEFAULT-VALUE}.")
    public Format format;

    @Option(names = "--debug", description = "Show stack traces of errors.")
    public boolean debug;

    @Option(names = "--device", paramLabel = "ID",
            description = "Device of the tornado backend, DRIVER:DEVICE as 'gapscope devices' lists them (default 0:0).")
    public String device;

    /** What the options choose for every backend (the device), passed to the backend as a value. */
    public BackendOptions options() {
        return new BackendOptions(device);
    }

    public Backend selectBackend() {
        return select(backend);
    }

    /** The backend called {@code name} (or auto) with these options. */
    public Backend select(String name) {
        return Backends.select(name, options());
    }

    public boolean json() {
        return format == Format.json;
    }
}
