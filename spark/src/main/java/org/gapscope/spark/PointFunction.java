package org.gapscope.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;
import org.gapscope.api.InputException;
import org.gapscope.measure.PointTask;
import org.gapscope.measure.SplitTask;

/**
 * What a Spark task runs for one point, on an executor: selects the TornadoVM device from the GPU that
 * Spark assigned to the task (if any), computes the point with the command's {@link PointTask}, and
 * returns its results. An {@link InputException} (e.g. the executor has no such backend) comes back as a
 * value, not a task failure: retrying it elsewhere would not help, and the driver reports it as one line.
 */
final class PointFunction implements Function<PointFunction.Work, PointFunction.Outcome> {
    private static final long serialVersionUID = 1L;

    /** TornadoVM driver index whose devices Spark's GPU addresses count (property gapscope.spark.tornadoDriver, default 0). */
    static final String DRIVER_PROPERTY = "gapscope.spark.tornadoDriver";

    private final PointTask task;

    PointFunction(PointTask task) {
        this.task = task;
    }

    /** A whole point ({@code ranges} 0) or range {@code index} of {@code ranges} of a {@link SplitTask}'s point. */
    record Work(LinkedHashMap<String, Object> key, int index, int ranges) implements Serializable {}

    /** A point's results (or a range's partial state), or the input problem that kept it from being computed. */
    record Outcome(Serializable value, String inputProblem) implements Serializable {}

    @Override
    public Outcome call(Work work) {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            ResourceInformation gpu = tc.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                System.setProperty("gapscope.tornado.device",
                        System.getProperty(DRIVER_PROPERTY, "0") + ":" + gpu.addresses()[0]);
            }
        }
        try {
            Map<String, Object> key = work.key();
            return new Outcome(work.ranges() == 0 ? new LinkedHashMap<>(task.compute(key))
                    : ((SplitTask) task).range(key, work.index(), work.ranges()), null);
        } catch (InputException e) {
            String where = org.apache.spark.SparkEnv.get() == null ? "" : " (executor " + org.apache.spark.SparkEnv.get().executorId()
                    + " on " + hostName() + ")";
            return new Outcome(null, e.getMessage() + where);
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
