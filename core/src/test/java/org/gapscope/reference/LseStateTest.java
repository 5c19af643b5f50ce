package org.gapscope.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LseStateTest {
    /** Chunked merges reorder FP64 sums of ~1000 terms of size <= 1: differences of order 1e-13. */
    @Test
    void onlineAndChunkedMergesEqualTheDirectLse() {
        double[] x = ReferenceBackendTest.gaussian(1000, 11, 4);
        double direct = ReferenceBackend.lse(x);
        LseState online = LseState.EMPTY;
        for (double v : x) {
            online = online.add(v);
        }
        assertEquals(direct, online.lse(), 1e-10);
        for (int chunk : new int[] {1, 7, 64, 999}) {
            LseState merged = LseState.EMPTY;
            for (int c = 0; c < x.length; c += chunk) {
                LseState part = LseState.EMPTY;
                for (int i = c; i < Math.min(x.length, c + chunk); i++) {
                    part = part.add(x[i]);
                }
                merged = part.merge(merged); // merge order does not matter
            }
            assertEquals(direct, merged.lse(), 1e-10, "chunk " + chunk);
        }
    }

    @Test
    void conventions() {
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(-inf, LseState.EMPTY.lse(), 0.0);
        assertEquals(-inf, LseState.EMPTY.add(-inf).lse(), 0.0);
        assertEquals(inf, LseState.EMPTY.add(1).add(inf).add(2).lse(), 0.0);
        assertTrue(Double.isNaN(LseState.EMPTY.add(inf).add(Double.NaN).lse()));
        assertEquals(Math.log(2) + 3, LseState.EMPTY.add(3).merge(LseState.EMPTY.add(3)).lse(), 1e-15);
    }
}
