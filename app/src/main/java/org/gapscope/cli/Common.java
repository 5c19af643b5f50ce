package org.gapscope.cli;

import org.gapscope.api.Backend;
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

    /** Sets -Dgapscope.tornado.device, which the tornado backend reads when it opens its device. */
    @Option(names = "--device", paramLabel = "ID",
            description = "Device of the tornado backend, DRIVER:DEVICE as 'gapscope devices' lists them (default 0:0).")
    public void device(String id) {
        System.setProperty("gapscope.tornado.device", id);
    }

    public Backend selectBackend() {
        return Backends.select(backend);
    }

    public boolean json() {
        return format == Format.json;
    }
}
