package org.gapscope.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The memory bound of the sweep's pair states: a batch holds at most {@link KernelBackend#SWEEP_PAIR_STATES}
 * items x H x H, and a point whose one token does not fit gets 0 (the second pass runs instead).
 */
class SweepPairBatchTest {

    @Test
    void aBatchKeepsItsPairStatesWithinTheBound() {
        // V = 2^18, chunks of 4096: 64 chunks; H = 32: 64 x 1024 per token, 64 tokens in 2^22
        assertEquals(64, KernelBackend.sweepPairBatch(512, 64, 32));
        assertEquals(4, KernelBackend.sweepPairBatch(4, 64, 32), "never more than the batch");
        assertEquals(1, KernelBackend.sweepPairBatch(8, 1024, 64), "exactly one token: 1024 x 64 x 64 = 2^22");
        assertEquals(0, KernelBackend.sweepPairBatch(8, 1025, 64), "one token beyond the bound: no pair states");
        assertEquals(0, KernelBackend.sweepPairBatch(1, 16384, 64), "V = 2^26, H = 64: the second pass");
    }
}
