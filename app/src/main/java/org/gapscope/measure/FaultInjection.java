package org.gapscope.measure;

/**
 * Test hook that simulates a crash inside {@link PointLog#append}: with the system property
 * {@code gapscope.fault.haltAfterJsonl=k} the JVM halts (like SIGKILL: no shutdown hooks, nothing
 * flushed) right after the k-th point's JSON line reached the disk and before its CSV row was written,
 * the worst moment for the two files' consistency. Unset in normal runs.
 */
final class FaultInjection {
    private FaultInjection() {}

    private static final int HALT_AFTER = Integer.getInteger("gapscope.fault.haltAfterJsonl", -1);

    static void afterJsonl(int pointsWritten) {
        if (HALT_AFTER >= 0 && pointsWritten >= HALT_AFTER) {
            Runtime.getRuntime().halt(137);
        }
    }
}
