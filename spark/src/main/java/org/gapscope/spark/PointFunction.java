package org.gapscope.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;
import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.SplitSweep;
import org.gapscope.measure.Sweep;

/**
 * What a Spark task runs on an executor: a whole point, or one range of a {@link SplitSweep}'s point. It
 * selects the TornadoVM device from the GPU Spark assigned to the task (if any), opens the backend of the
 * driver's name ({@link Cluster#backend}) and returns the results. An {@link InputException} (e.g. the
 * executor has no such backend) comes back as a value, not as a task failure: retrying it elsewhere would
 * not help, and the driver reports it as one line.
 */
final class PointFunction<P extends Sweep.Point> implements Function<PointFunction.Work<P>, PointFunction.Outcome> {
    private static final long serialVersionUID = 1L;

    /** The TornadoVM driver index whose devices Spark's GPU addresses number (default 0). */
    static final String DRIVER_PROPERTY = "gapscope.spark.tornadoDriver";

    private final Sweep<P> sweep;
    private final String backend;

    PointFunction(Sweep<P> sweep, String backend) {
        this.sweep = sweep;
        this.backend = backend;
    }

    /** A whole point ({@code ranges} 0) or range {@code index} of {@code ranges} of a {@link SplitSweep}'s point. */
    record Work<P>(P point, int index, int ranges) implements Serializable {}

    /**
     * A point's results (or a range's partial state) and the name of the backend that computed them, or the
     * input problem that kept it from being computed.
     */
    record Outcome(Serializable value, String backend, String inputProblem) implements Serializable {}

    @Override
    public Outcome call(Work<P> work) {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            ResourceInformation gpu = tc.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                System.setProperty("gapscope.tornado.device", System.getProperty(DRIVER_PROPERTY, "0") + ":" + gpu.addresses()[0]);
            }
        }
        try {
            Backend b = Cluster.backend(backend);
            return new Outcome(work.ranges() == 0 ? new LinkedHashMap<>(sweep.compute(work.point(), b))
                    : ((SplitSweep<P>) sweep).range(work.point(), work.index(), work.ranges(), b), b.name(), null);
        } catch (InputException e) {
            SparkEnv env = SparkEnv.get();
            return new Outcome(null, null, e.getMessage() + (env == null ? "" : " (executor " + env.executorId() + " on " + hostName() + ")"));
        }
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown host";
        }
    }
}
