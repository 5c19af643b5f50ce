package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.Capabilities;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.InputException;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;
import org.gapscope.cpu.CpuBackend;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

/**
 * What each backend says about itself (printed in manifests and by {@code gapscope devices}) and how
 * {@code --backend auto} ranks them: reference 0, cpu 10, a plain kernel backend -1.
 */
class BackendIdentityTest {

    @Test
    void namesDevicesCapabilitiesAndRanks() {
        ReferenceBackend ref = new ReferenceBackend();
        assertEquals("reference", ref.name());
        assertEquals("host CPU, one thread, FP64 loops", ref.device());
        assertEquals(new Capabilities(true, 1, false, "sequential FP64"), ref.capabilities());
        assertEquals(0, ref.priority());
        assertTrue(ref.available());
        assertEquals("", ref.unavailableReason());
        assertEquals(List.of(), ref.devices());

        CpuBackend cpu = new CpuBackend();
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals("cpu", cpu.name());
        assertTrue(cpu.device().startsWith("host CPU, " + cores + " threads, Vector API "), cpu.device());
        assertTrue(cpu.device().endsWith("-bit"), cpu.device());
        assertEquals(new Capabilities(true, cores, false,
                "FP32 exp in blocks of <= 4096 folded into FP64; Gamma head sums, crowding in FP64"), cpu.capabilities());
        assertEquals(10, cpu.priority());
        assertTrue(cpu.available(), "tests run with jdk.incubator.vector");
        assertEquals("", cpu.unavailableReason());

        GridBackend grid = new GridBackend();
        assertEquals("grid", grid.name());
        assertEquals(-1, grid.priority());
        assertEquals(new Capabilities(true, 1, false, "FP64 per chunk, chunk states merged in chunk order"),
                grid.capabilities());

        KernelBackend plain = new KernelBackend("plain", KernelBackend.SEQUENTIAL, Chunks.CONTIGUOUS, 10, 10);
        assertEquals("plain", plain.name());
        assertEquals("host CPU, kernel bodies on one thread", plain.device());
        assertEquals(-1, plain.priority());

        List<String> order = Backends.all().stream().map(Backend::name).toList();
        assertTrue(order.indexOf("cpu") < order.indexOf("reference") && order.indexOf("reference") < order.indexOf("grid"),
                "fastest first: " + order);
        assertEquals("reference", Backends.select("REFERENCE").name());
        InputException e = assertThrows(InputException.class, () -> Backends.select("nope"));
        assertTrue(e.getMessage().startsWith("--backend nope: unknown backend (known: auto, "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /**
     * A crowding point whose (repetition, chunk) work-items do not fit one launch is refused before any
     * state array is allocated: N = 2^40 is 2^24 chunks of the cpu backend, times 64 repetitions 2^30 >
     * (2^31 - 1) / 4.
     */
    @Test
    void crowdingTooLargeForOneLaunchIsRefused() {
        CrowdingSpec spec = new CrowdingSpec(1L << 40, 1.0, Law.gaussian(0, 1), 64, 0, 1, Mitigation.NONE);
        for (Backend b : List.of(new CpuBackend(), new GridBackend())) {
            InputException e = assertThrows(InputException.class, () -> b.crowding(spec));
            assertEquals("crowding: 64 repetitions of N = 1099511627776 exceed one launch", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend().batchElements(0));
        assertEquals("batch elements must be >= 1, got 0", e.getMessage());
    }
}
