package org.gapscope.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gapscope.api.Backend;
import org.gapscope.api.BackendOptions;
import org.gapscope.api.Backends;
import org.gapscope.api.DeviceInfo;
import org.gapscope.api.ErrorBounds;
import org.gapscope.api.InputException;
import org.gapscope.tornado.Plans;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * The tornado backend's own contract (run by mvn -Ptornado in a JVM with TornadoVM's argfile): it is
 * registered and available, lists its devices, rejects a device that does not exist with one line,
 * and turns a task TornadoVM cannot compile into an error instead of running it in plain Java.
 */
class TornadoBackendTest {

    @Test
    void registeredAvailableAndListsItsDevices() {
        Backend b = Backends.select("tornado");
        assertTrue(b instanceof TornadoBackend, "tornado is registered through ServiceLoader");
        List<DeviceInfo> devices = b.devices();
        assertTrue(!devices.isEmpty(), "at least one TornadoVM device");
        assertEquals(1, devices.stream().filter(DeviceInfo::selected).count(), "exactly one device in use");
        for (DeviceInfo d : devices) {
            assertTrue(d.id().matches("\\d+:\\d+"), "id DRIVER:DEVICE: " + d.id());
            assertTrue(d.memoryBytes() > 0 && !d.name().isBlank() && !d.driver().isBlank(), d.toString());
        }
        assertEquals(b.capabilities().fp64(), devices.stream().filter(DeviceInfo::selected).findFirst().get().fp64());
        assertTrue(b.device().contains("fma off") && b.device().contains("bailout recovery off"), b.device());
    }

    @Test
    void aDeviceThatDoesNotExistIsOneLineOfInputError() {
        InputException e = assertThrows(InputException.class, () -> Engine.open("7:42"));
        assertTrue(e.getMessage().startsWith("--device 7:42: no such TornadoVM device"), e.getMessage());
        assertThrows(InputException.class, () -> Engine.open("gpu"));
    }

    @Test
    void theDeviceTravelsAsAnOptionsValue() {
        InputException e = assertThrows(InputException.class,
                () -> Backends.select("tornado", new BackendOptions("7:42")));
        assertTrue(e.getMessage().contains("--device 7:42: no such TornadoVM device"), e.getMessage());
        // no global state: the default selection still opens the default device
        assertTrue(Backends.select("tornado").available());
        assertEquals(TornadoBackend.defaultSelection(), Backends.select("tornado", BackendOptions.DEFAULTS).devices()
                .stream().filter(DeviceInfo::selected).findFirst().orElseThrow().id());
    }

    /** Math.abs(int) does not compile with this TornadoVM */
    public static void absolute(int[] a, int grid) {
        for (@Parallel int i = 0; i < grid; i++) {
            a[i] = Math.abs(a[i]);
        }
    }

    record AbsoluteKey(int n) implements Engine.PlanKey {}

    @Test
    void aTaskThatDoesNotCompileIsAnErrorNotASilentJavaRun() {
        assertTrue(Backends.select("tornado").available());
        Engine engine = (Engine) probeEngine();
        int[] a = {-1, 2, -3, 4};
        WorkerGrid1D w = new WorkerGrid1D(4);
        w.setLocalWork(4, 1, 1);
        // TornadoVM reports this one while the task graph is built (parsing the task); others only when
        // the plan first executes: both paths end in a TornadoFailure.
        TornadoFailure f = assertThrows(TornadoFailure.class, () -> engine.run("absolute",
                engine.plan("absolute", new AbsoluteKey(4), () -> new Plans.Plan(new TaskGraph("bad")
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                        .task("abs", TornadoBackendTest::absolute, a, 4)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, a), new GridScheduler("bad.abs", w),
                        engine.device))));
        assertTrue(f.getMessage().startsWith("tornado: absolute failed on device " + engine.info.id()), f.getMessage());
        assertTrue(f.getMessage().contains("TornadoBailoutRuntimeException") && f.getMessage().contains("--backend cpu")
                && f.getMessage().length() <= TornadoFailure.MAX_LINE, f.getMessage());
        assertEquals(-1, a[0], "the task did not run in plain Java either");
    }

    /**
     * The path for devices without FP64, forced on this device: logSumExp of F32 data in compensated
     * FP32 agrees with the FP64 reference within its bound ({@link ErrorBounds#lseF32Compensated}), a row
     * holding NaN is found from its input and left to the host, and an op without an FP32 form is one
     * line of error instead of a wrong number.
     */
    @Test
    void withoutFp64LogSumExpRunsInCompensatedFp32AndOtherOpsRefuse() {
        Engine engine = openWith("gapscope.tornado.fp32", "true");
        assertTrue(engine.fp32);
        int rows = 3;
        int v = 20011;
        float[] x = gaussian(rows * v, 5);
        double maxAbs = maxAbs(x) / 0.7;
        x[v + 17] = Float.NaN; // row 1: the host's conventions, as everywhere
        org.gapscope.api.Tensor t = org.gapscope.api.Tensor.of(x, rows, v);
        double[] expected = new org.gapscope.reference.ReferenceBackend().logSumExp(t, 0.7);
        double[] out = new double[rows];
        boolean[] special = new boolean[rows];
        engine.lseRows(t, 0, rows, v, 1 / 0.7, out, special);
        double tol = ErrorBounds.lseF32Compensated(maxAbs);
        for (int r : new int[] {0, 2}) {
            assertTrue(Math.abs(out[r] - expected[r]) <= tol, r + ": " + out[r] + " vs " + expected[r]);
        }
        assertTrue(special[1] && !special[0] && !special[2], "a row with NaN is left to the host, the others not");
        InputException e = assertThrows(InputException.class, () -> engine.positional(new double[] {1}, new double[] {2}));
        assertTrue(e.getMessage().startsWith("positional needs FP64"), e.getMessage());
    }

    /**
     * The work-group form of the LSE (the default on GPUs), forced on this device: its kernel bodies
     * (LogSumExp.groupMax, groupExpSum) compile inside the KernelContext task with its tree steps and agree
     * with the FP64 reference within the FP64-accumulation bound of FP32 data.
     */
    @Test
    void theWorkGroupLseCompilesAndAgreesWithTheReference() {
        Engine engine = openWith("gapscope.tornado.kc", "true", "gapscope.tornado.groupChunk", "1000");
        assertTrue(engine.group > 0);
        int rows = 3;
        int v = 4099;
        float[] x = gaussian(rows * v, 6);
        double maxAbs = maxAbs(x) / 0.7;
        org.gapscope.api.Tensor t = org.gapscope.api.Tensor.of(x, rows, v);
        double[] expected = new org.gapscope.reference.ReferenceBackend().logSumExp(t, 0.7);
        double[] out = new double[rows];
        boolean[] special = new boolean[rows];
        engine.lseRows(t, 0, rows, v, 1 / 0.7, out, special);
        double tol = ErrorBounds.lseF64(v, maxAbs) + ErrorBounds.LSE_F32_SCALE * maxAbs;
        for (int r = 0; r < rows; r++) {
            assertTrue(!special[r] && Math.abs(out[r] - expected[r]) <= tol, r + ": " + out[r] + " vs " + expected[r]);
        }
    }

    /**
     * The work-group form of the sweep's two passes (the default on GPUs), forced on this device with
     * groups of 8, chunks of 1000 and launches of 64 work-items: V = 4099 in 5 chunks takes 13 rounds of 64
     * indices per chunk, and 3 tokens take 3 launches. Its bodies (SweepGap.groupHeadFold, groupSumsFold,
     * groupMergeHead) compile inside the KernelContext task with its tree steps, and the merged states agree
     * with the @Parallel form's body run by plain Java on the host within the FP64-accumulation bound of
     * FP32 logits (log Z of the heads, of the aggregate and of the mean; ||pi_h||^2 relative; l at y*); the
     * second pass (SweepGap.groupBrier), given the same log Z_h, agrees with sweepGapBrier within 4 H times
     * that bound, relative (each pi_h within exp of it, squared).
     */
    @Test
    void theWorkGroupSweepCompilesAndAgreesWithTheBodies() {
        Engine engine = openWith("gapscope.tornado.kc", "true", "gapscope.tornado.group", "8",
                "gapscope.tornado.chunk", "1000", "gapscope.tornado.sweepGroupItems", "64");
        assertEquals(8, engine.group);
        int h = 3;
        int v = 4099;
        int n = 3;
        int chunks = engine.sweepChunks(h, v);
        assertEquals(5, chunks);
        int items = n * chunks;
        int[] targets = {7, 4098, 2048};
        for (org.gapscope.api.SweepLaw law : new org.gapscope.api.SweepLaw[] {org.gapscope.api.SweepLaw.gaussian,
            org.gapscope.api.SweepLaw.disagree}) {
            org.gapscope.api.SweepSpec spec = new org.gapscope.api.SweepSpec(law, h, v, n, 1.3,
                    law.usesMargin() ? 3.0 : 0, 0, 0.7, 29);
            double[][] dev = sweepStates(items, n, h);
            engine.sweepGapPartials(spec, 0, n, chunks, targets, dev);
            double[][] host = sweepStates(items, n, h);
            int[] scratch = new int[items * 4];
            for (int i = 0; i < items; i++) {
                org.gapscope.kernels.SweepGap.sweepGapPartial(i, law.code, h, v, chunks,
                        engine.decomposition.layout(), 0, spec.seed(), spec.sigma(), spec.margin(), 0, 1,
                        spec.temperature(), targets, scratch, host[0], host[1], host[2], host[3], host[4], host[5],
                        host[6], host[7]);
            }
            double[][] a = sweepMerged(dev, n, h, chunks);
            double[][] e = sweepMerged(host, n, h, chunks);
            double max = spec.maxAbsLogit();
            double tol = ErrorBounds.lseF64(v, max) + ErrorBounds.LSE_F32_SCALE * max;
            double[] tols = {tol, h * tol, tol, 4 * tol, ErrorBounds.LSE_F32_SCALE * max}; // zh, z, zm, ||pi||^2 (rel.), l*
            for (int k = 0; k < a.length; k++) {
                for (int i = 0; i < a[k].length; i++) {
                    double scale = k == 3 ? Math.abs(e[k][i]) : 1;
                    assertTrue(Math.abs(a[k][i] - e[k][i]) <= tols[k] * scale,
                            law + " output " + k + "[" + i + "]: " + a[k][i] + " vs " + e[k][i]);
                }
            }
            // the second pass given the same log Z_h: each item's sum of (sum_h pi_h)^2, relative
            double[] mixSq = new double[items];
            engine.sweepGapBriers(spec, 0, n, chunks, targets, e[0], mixSq);
            double[] expected = new double[items];
            for (int i = 0; i < items; i++) {
                org.gapscope.kernels.SweepGap.sweepGapBrier(i, law.code, h, v, chunks, engine.decomposition.layout(),
                        0, spec.seed(), spec.sigma(), spec.margin(), 0, 1, spec.temperature(), targets, scratch, e[0],
                        expected);
                assertTrue(Math.abs(mixSq[i] - expected[i]) <= 4 * h * tol * expected[i],
                        law + " mixSq[" + i + "]: " + mixSq[i] + " vs " + expected[i]);
            }
        }
    }

    /** The first pass's state arrays {hm, hd, hd2, am, ad, mm, md, lt} of {@code items} items. */
    static double[][] sweepStates(int items, int n, int h) {
        return new double[][] {new double[items * h], new double[items * h], new double[items * h],
            new double[items], new double[items], new double[items], new double[items], new double[n * h]};
    }

    /** The states merged per token (SweepGap.sweepGapMerge): {log Z_h, log Z, log Z of the mean, ||pi_h||^2, l at y*}. */
    static double[][] sweepMerged(double[][] s, int n, int h, int chunks) {
        double[] zh = new double[n * h];
        double[] z = new double[n];
        double[] zm = new double[n];
        double[] norm2 = new double[n * h];
        for (int t = 0; t < n; t++) {
            org.gapscope.kernels.SweepGap.sweepGapMerge(t, h, chunks, s[0], s[1], s[2], s[3], s[4], s[5], s[6], zh, z,
                    zm, norm2);
        }
        return new double[][] {zh, z, zm, norm2, s[7]};
    }

    /** An engine of the default device opened with the given system properties (key, value, ...) set. */
    static Engine openWith(String... properties) {
        for (int i = 0; i < properties.length; i += 2) {
            System.setProperty(properties[i], properties[i + 1]);
        }
        try {
            return Engine.open(TornadoBackend.defaultSelection());
        } finally {
            for (int i = 0; i < properties.length; i += 2) {
                System.clearProperty(properties[i]);
            }
        }
    }

    /** N(0, 9) test data from Philox, rounded to FP32. */
    static float[] gaussian(int n, long seed) {
        float[] x = new float[n];
        int[] scratch = new int[4];
        for (int i = 0; i < n; i++) {
            x[i] = (float) org.gapscope.kernels.Laws.draw(i, 0, seed, org.gapscope.kernels.Laws.GAUSSIAN, 0, 3, 0, scratch, 0);
        }
        return x;
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float f : x) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    static Object probeEngine() {
        return Engine.open(TornadoBackend.defaultSelection());
    }
}
