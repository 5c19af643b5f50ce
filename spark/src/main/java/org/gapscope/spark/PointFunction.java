package org.gapscope.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;
import org.gapscope.api.InputException;
import org.gapscope.measure.PointTask;

/**
 * What a Spark task runs for one point, on an executor: selects the TornadoVM device from the GPU that
 * Spark assigned to the task (if any), computes the point with the command's {@link PointTask}, and
 * returns its results. An {@link InputException} (e.g. the executor has no such backend) comes back as a
 * value, not a task failure: retrying it elsewhere would not help, and the driver reports it as one line.
 */
final class PointFunction implements Function<Map<String, Object>, PointFunction.Outcome> {
    private static final long serialVersionUID = 1L;

    /** TornadoVM driver index whose devices Spark's GPU addresses count (property gapscope.spark.tornadoDriver, default 0). */
    static final String DRIVER_PROPERTY = "gapscope.spark.tornadoDriver";

    private final PointTask task;

    PointFunction(PointTask task) {
        this.task = task;
    }

    /** A point's results, or the input problem that kept it from being computed. */
    record Outcome(LinkedHashMap<String, Object> results, String inputProblem) implements Serializable {}

    @Override
    public Outcome call(Map<String, Object> key) {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            ResourceInformation gpu = tc.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                System.setProperty("gapscope.tornado.device",
                        System.getProperty(DRIVER_PROPERTY, "0") + ":" + gpu.addresses()[0]);
            }
        }
        try {
            return new Outcome(new LinkedHashMap<>(task.compute(key)), null);
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
