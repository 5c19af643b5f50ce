package org.gapscope.measure;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A {@link PointTask} whose point can span a cluster: it splits into ranges (of repetitions, say) that are
 * computed apart and merged on the driver in range order. The ranges must be cut where the one-machine
 * computation already cuts (its batches), so that the merged result is the one-machine result, bit for bit.
 */
public interface SplitTask extends PointTask {

    /** Into how many ranges the point splits on a cluster with {@code slots} task slots (1: not split). */
    int ranges(Map<String, ?> key, int slots);

    /** Computes range {@code index} of {@code ranges}: the partial state the merge needs. */
    Serializable range(Map<String, ?> key, int index, int ranges);

    /** The point's results from the partial states of its ranges, in range order. */
    Map<String, ?> merge(Map<String, ?> key, List<Serializable> partials);

    /** One machine: one range. */
    @Override
    default Map<String, ?> compute(Map<String, ?> key) {
        return merge(key, List.of(range(key, 0, 1)));
    }
}
