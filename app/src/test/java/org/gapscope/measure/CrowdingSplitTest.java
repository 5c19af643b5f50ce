package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.junit.jupiter.api.Test;

/**
 * A crowding point split as on a cluster ({@link SplitSweep}): repetition ranges and index ranges (chunk
 * states of every repetition) merge to the one-machine row, bit for bit; index ranges out of order are
 * refused.
 */
class CrowdingSplitTest {

    static CrowdingSweep sweep(long n, int reps, int batch, Mitigation m) {
        return new CrowdingSweep(List.of(new CrowdingSweep.Distribution("gaussian", Law.gaussian(0, 1), 1)),
                new double[] {3.0}, false, List.of(n), List.of(m), reps, 11, batch);
    }

    static List<Serializable> parts(CrowdingSweep sweep, CrowdingSweep.Point p, int ranges, Backend b) {
        List<Serializable> parts = new ArrayList<>();
        for (int i = 0; i < ranges; i++) {
            parts.add(sweep.range(p, i, ranges, b));
        }
        return parts;
    }

    @Test
    void indexAndRepetitionRangesMergeToTheOneMachineRow() {
        // 131073 distractors: 3 cpu chunks of 43691 (the second starts at an odd index); 5 repetitions in batches of 2
        CrowdingSweep sweep = sweep(131074, 5, 2, Mitigation.NONE);
        CrowdingSweep.Point p = sweep.points().get(0);
        for (Backend b : List.of(Backends.select("cpu"), Backends.select("reference"))) {
            Map<String, Object> whole = sweep.compute(p, b);
            for (int ranges : new int[] {2, 3, 4, 5}) { // 2, 3: repetition ranges (3 batches); 4, 5: index ranges
                List<Serializable> parts = parts(sweep, p, ranges, b);
                assertEquals(whole, sweep.merge(p, parts), b.name() + " " + ranges + " ranges");
            }
        }
        List<Serializable> parts = parts(sweep, p, 4, Backends.select("cpu"));
        Collections.reverse(parts);
        assertThrows(IllegalStateException.class, () -> sweep.merge(p, parts));
    }

    @Test
    void largePointsSplitIntoIndexRangesWhenBatchesAreFewerThanSlots() {
        CrowdingSweep few = sweep(1001, 4, 256, Mitigation.NONE);
        CrowdingSweep.Point p = few.points().get(0);
        assertEquals(1, few.ranges(p, 8)); // 4004 draws: below 2^31
        System.setProperty("gapscope.splitWork", "1");
        try {
            assertEquals(8, few.ranges(p, 8)); // one batch: index ranges, one per slot
            CrowdingSweep many = sweep(1001, 40, 4, Mitigation.NONE);
            assertEquals(8, many.ranges(many.points().get(0), 8)); // 10 batches: repetition ranges
            assertEquals(16, many.ranges(many.points().get(0), 16)); // fewer batches than slots: index ranges
            CrowdingSweep topK = sweep(1001, 4, 256, new Mitigation(Mitigation.Kind.TOP_K, 5));
            assertEquals(1, topK.ranges(topK.points().get(0), 8)); // top-k has no chunk states
        } finally {
            System.clearProperty("gapscope.splitWork");
        }
    }
}
