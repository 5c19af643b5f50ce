package org.gapscope.measure;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;

/**
 * A {@link Sweep} whose large points can span a {@link Cluster}: a point splits into ranges (of
 * repetitions, say) computed apart and merged on the driver in range order. The ranges must be cut where
 * the one-machine computation already cuts (its batches), so that the merged result is the one-machine
 * result, bit for bit.
 */
public interface SplitSweep<P extends Sweep.Point> extends Sweep<P> {

    /** Into how many ranges {@code point} splits on a cluster with {@code slots} task slots (1: not split). */
    int ranges(P point, int slots);

    /** Computes range {@code index} of {@code ranges} on {@code backend}: the partial state the merge needs. */
    Serializable range(P point, int index, int ranges, Backend backend);

    /** The point's result columns from the partial states of its ranges, in range order. */
    Map<String, Object> merge(P point, List<Serializable> partials);
}
