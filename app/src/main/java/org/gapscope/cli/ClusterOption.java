package org.gapscope.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gapscope.api.InputException;
import org.gapscope.measure.Cluster;
import picocli.CommandLine.Option;

/** {@code --spark MASTER}: compute the grid's points on an Apache Spark cluster (a picocli mixin). */
public final class ClusterOption {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = {"Compute the points on Apache Spark: local[N], spark://HOST:PORT, yarn or k8s://URL.",
                "This JVM is the driver and writes the run directory (on a path it sees); each point is a Spark",
                "task on an executor's --backend. Needs the spark module (scripts/gapscope adds it). See README, Cluster."})
    public String master;

    /**
     * Opens the cluster when {@code --spark} was given (else null). With an explicit {@code --out} ({@code out}
     * not null), its
     * parent directory must exist on this machine: on a cluster the run directory belongs on a shared path
     * the driver sees, and a mistyped mount point should be refused rather than filled on a local disk.
     */
    public Cluster open(String command, Path out) {
        if (master == null) {
            return null;
        }
        if (out != null) {
            Path parent = out.toAbsolutePath().normalize().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new InputException("--out " + out + ": the directory " + parent + " does not exist on the driver "
                        + "(with --spark the run directory must be on a path this machine sees, e.g. a shared filesystem)");
            }
        }
        return Cluster.open(master, "gapscope " + command);
    }
}
