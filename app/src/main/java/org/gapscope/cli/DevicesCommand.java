package org.gapscope.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.BackendHint;
import org.gapscope.api.Backends;
import org.gapscope.api.DeviceInfo;
import org.gapscope.measure.JsonValues;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the backends and devices found, and which one --backend auto picks.")
public final class DevicesCommand extends BaseCommand {
    @Override
    public Integer call() {
        List<Map<String, Object>> list = new ArrayList<>();
        List<Backend> backends = Backends.all(common.options());
        String auto = backends.stream().filter(Backend::available).map(Backend::name).findFirst().orElse("none");
        Table t = new Table("backend", "available", "fp64", "parallelism", "device", "accumulation");
        Table dt = new Table("backend", "id", "driver", "name", "type", "memory GiB", "fp64", "selected");
        boolean anyDevices = false;
        for (Backend b : backends) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", b.name());
            m.put("available", b.available());
            m.put("auto", b.name().equals(auto));
            if (b.available()) {
                m.put("device", b.device());
                m.put("fp64", b.capabilities().fp64());
                m.put("parallelism", b.capabilities().parallelism());
                m.put("accelerator", b.capabilities().accelerator());
                m.put("accumulation", b.capabilities().accumulation());
                t.row(b.name() + (b.name().equals(auto) ? " (auto)" : ""), "yes", b.capabilities().fp64(),
                        b.capabilities().parallelism(), b.device(), b.capabilities().accumulation());
                List<Map<String, Object>> devs = new ArrayList<>();
                for (DeviceInfo d : b.devices()) {
                    devs.add(JsonValues.object("id", d.id(), "driver", d.driver(), "name", d.name(), "type", d.type(),
                            "memoryBytes", d.memoryBytes(), "fp64", d.fp64(), "selected", d.selected()));
                    dt.row(b.name(), d.id(), d.driver(), d.name(), d.type(), d.memoryBytes() / (double) (1L << 30),
                            d.fp64(), d.selected() ? "yes" : "");
                }
                if (!devs.isEmpty()) {
                    anyDevices = true;
                    m.put("devices", devs);
                }
            } else {
                m.put("reason", b.unavailableReason());
                t.row(b.name(), "no", "-", "-", b.unavailableReason(), "-");
            }
            list.add(m);
        }
        for (BackendHint h : Backends.missing()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("available", false);
            m.put("auto", false);
            m.put("reason", "not in this build. " + h.advice());
            list.add(m);
            t.row(h.name(), "no", "-", "-", "not in this build: " + h.summary(), "-");
        }
        print(common.json() ? Json.write(Map.of("backends", list)) + "\n"
                : t.toString() + (anyDevices ? "\ndevices:\n" + dt : ""));
        return 0;
    }
}
