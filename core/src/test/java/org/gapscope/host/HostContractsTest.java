package org.gapscope.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.kernels.Chunks;
import org.junit.jupiter.api.Test;

/** The small contracts of the host package: what a decomposition and a batch size accept, and the tornado hint. */
class HostContractsTest {

    @Test
    void aDecompositionTakesTheTwoLayoutsAndSizesOfAtLeastOne() {
        Decomposition d = new Decomposition(Chunks.STRIDED, 1, 1, 1);
        assertEquals(1, d.chunk());
        assertEquals(Chunks.CONTIGUOUS, Decomposition.host(Chunks.CONTIGUOUS, 7, 9).layout());
        assertThrows(IllegalArgumentException.class, () -> new Decomposition(5, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Decomposition(Chunks.CONTIGUOUS, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Decomposition(Chunks.CONTIGUOUS, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Decomposition(Chunks.CONTIGUOUS, 1, 1, 0));
    }

    @Test
    void aHostBatchHoldsAtLeastOneElement() {
        KernelBackend b = new KernelBackend("contract", KernelBackend.SEQUENTIAL, Chunks.CONTIGUOUS, 8, 8);
        assertEquals(b, b.batchElements(1));
        assertThrows(IllegalArgumentException.class, () -> b.batchElements(0));
    }

    @Test
    void theTornadoHintNamesTheBackendAndHowToGetIt() {
        TornadoHint hint = new TornadoHint();
        assertEquals("tornado", hint.name());
        assertEquals(TornadoHint.ADVICE, hint.advice());
        assertTrue(hint.advice().contains("TORNADOVM_HOME"), hint.advice());
        assertTrue(hint.summary().contains("TORNADOVM_HOME"), hint.summary());
    }
}
