package org.gapscope.tornado;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.Backends;
import org.gapscope.api.Capabilities;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DeviceInfo;
import org.gapscope.api.InputException;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.host.KernelBackend;
import org.gapscope.kernels.Chunks;

/**
 * The {@code tornado} backend: the kernel bodies compiled by TornadoVM for an OpenCL, PTX or SPIR-V
 * device (execution plans in {@code org.gapscope.kernels.tornado}). The host part of every op
 * (validation, batching, the NaN/+-inf conventions the bodies leave out) is the one of
 * {@link KernelBackend}; the hot passes (LSE, softmax, the fused Jensen-gap pass, attention, the
 * crowding draws, positional sums) run on the device.
 *
 * <p>The device: {@code -Dgapscope.tornado.device=DRIVER:DEVICE} (set by the CLI's {@code --device},
 * or the environment variable GAPSCOPE_TORNADO_DEVICE), else 0:0, TornadoVM's default. Rows, tokens
 * or heads that hold NaN or +-inf are found on the host while their data is copied in and are
 * recomputed on the host (the device runs under fast math, which cannot see them).
 *
 * <p>Flags: unless set on the command line, this backend runs TornadoVM with
 * {@code tornado.recover.bailout=False} (a task that does not compile for the device is an error,
 * never a silent run in plain Java), {@code tornado.enable.fma=False} and
 * {@code tornado.enable.nativeFunctions=False} (exact {@code exp}, {@code log}, {@code sqrt},
 * {@code cos}, so device results match the host's to FP64 rounding). They must be set before
 * TornadoVM starts, which is why this class sets them when it is loaded.
 *
 * <p>Error bounds: the bodies' own (FP64 accumulation on the device, per-chunk (m, d) states merged
 * in chunk order): the same as the grid backend's, see the kernel classes.
 */
public final class TornadoBackend extends KernelBackend {

    static {
        setDefault("tornado.recover.bailout", "False");
        setDefault("tornado.enable.fma", "False");
        setDefault("tornado.enable.nativeFunctions", "False");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Opened engines (or why one could not open) per device selection: shared by all instances. */
    private static final Map<String, Object> ENGINES = new HashMap<>();

    public TornadoBackend() {
        super("tornado", PARALLEL, Chunks.CONTIGUOUS, 4096,
                Math.max(1, Integer.getInteger("gapscope.tornado.crowdingChunk", 16384)));
    }

    static String selection() {
        String s = System.getProperty("gapscope.tornado.device");
        if (s == null || s.isBlank()) {
            s = System.getenv("GAPSCOPE_TORNADO_DEVICE");
        }
        return s == null || s.isBlank() ? "0:0" : s.trim();
    }

    /** The engine of the selected device, or the reason (a String) why there is none. */
    private static synchronized Object probe() {
        String sel = selection();
        Object e = ENGINES.get(sel);
        if (e == null) {
            e = open(sel);
            ENGINES.put(sel, e);
        }
        return e;
    }

    private static Object open(String sel) {
        try {
            Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false,
                    TornadoBackend.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return "TornadoVM is not on the class path. " + Backends.TORNADO_ADVICE;
        }
        try {
            return Engine.open(sel);
        } catch (InputException e) {
            return e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            return "TornadoVM did not start (" + TornadoFailure.reason(e) + "). Run gapscope through scripts/gapscope"
                    + " with TORNADOVM_HOME set (it adds TornadoVM's argfile to the JVM), or see README,"
                    + " 'GPU workstation'";
        }
    }

    /** (Engine is touched only once probe() found TornadoVM: its class needs TornadoVM's.) */
    private static Engine engine() {
        Object e = probe();
        if (e instanceof String reason) {
            throw new InputException("--backend tornado: not available here: " + reason);
        }
        return (Engine) e;
    }

    @Override
    public boolean available() {
        return !(probe() instanceof String);
    }

    @Override
    public String unavailableReason() {
        Object e = probe();
        return e instanceof String s ? s : "";
    }

    @Override
    public String device() {
        DeviceInfo i = engine().info;
        return i.id() + " " + i.driver() + " " + i.name() + " (" + i.type() + ", "
                + String.format("%.1f", i.memoryBytes() / (double) (1L << 30)) + " GiB, FP64 "
                + (i.fp64() ? "yes" : "no") + ")" + (engine().fp32 ? ", FP32 path" : "") + ", fma " + flag("tornado.enable.fma") + ", native math "
                + flag("tornado.enable.nativeFunctions") + ", bailout recovery " + flag("tornado.recover.bailout");
    }

    private static String flag(String key) {
        return Boolean.parseBoolean(System.getProperty(key, "true")) ? "on" : "off";
    }

    @Override
    public Capabilities capabilities() {
        Engine e = engine();
        if (e.fp32) {
            return new Capabilities(false, e.computeUnits, e.accelerator,
                    "no FP64 on the device: logSumExp of F32 data in compensated (Kahan) FP32 per chunk, merged in"
                            + " compensated FP32, log on the host in FP64; softmax/logSoftmax written on the host;"
                            + " other ops need FP64 and fail");
        }
        return new Capabilities(e.info.fp64(), e.computeUnits, e.accelerator,
                "FP64 on the device: per-chunk (m, d) states (" + (e.layout == Chunks.STRIDED ? "strided" : "contiguous")
                        + " chunks of " + e.chunk + "), merged on the device in chunk order");
    }

    /** Above cpu on a GPU or accelerator, below it on a CPU device (PoCL), so auto picks the faster. */
    @Override
    public int priority() {
        return available() && engine().accelerator ? 20 : 5;
    }

    @Override
    public List<DeviceInfo> devices() {
        if (!available()) {
            return List.of();
        }
        return Engine.list(engine().info.id());
    }

    // ---- the device passes ----------------------------------------------------------------------------

    @Override
    protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out) {
        engine().lseRows(x, r0, n, v, invT, out);
    }

    @Override
    protected void softmaxRows(Tensor x, int r0, int n, int v, double invT, double[] lse, int log, Tensor out) {
        boolean[] bad = engine().softmaxRows(x, r0, n, v, invT, lse, log, out);
        for (int r = 0; r < n; r++) {
            if (bad[r]) { // NaN / inf conventions: the bodies in plain Java on the host
                super.softmaxRows(x, r0 + r, 1, v, invT, lse, log, out);
            }
        }
    }

    @Override
    protected void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads,
                             double[] logZ, double[] logZMean, long[] nonFinite) {
        engine().gapTokens(logits, extra, t0, n, h, v, logZHeads, logZ, logZMean, nonFinite);
    }

    @Override
    protected void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv,
                                  double scale, int mask, double[] out, double[] lse) {
        engine().attentionHeads(q, k, v, nh, tq, tk, d, dv, scale, mask, out, lse);
    }

    @Override
    protected void crowdingPartials(CrowdingSpec spec, long distractors, int chunks, double scale, double[] m,
                                    double[] d) {
        engine().crowdingPartials(spec.reps(), distractors, chunks, spec.firstRep(), spec.seed(),
                spec.law().kind().code, spec.law().a(), spec.law().b(), spec.law().c(), scale, m, d);
    }

    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        if (omegas.length == 0) {
            throw new InputException("positional: no frequencies (m = 0)");
        }
        if (deltas.length == 0) {
            return new double[0];
        }
        return engine().positional(omegas, deltas);
    }

    @Override
    public int sweepChunks(int heads, int v) {
        return engine().sweepChunks(heads, v);
    }

    @Override
    protected void sweepGapPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] hm,
                                    double[] hd, double[] hd2, double[] am, double[] ad, double[] mm, double[] md,
                                    double[] lt) {
        engine().sweepGapPartials(spec, t0, n, chunks, targets, new double[][] {hm, hd, hd2, am, ad, mm, md, lt});
    }

    @Override
    protected void sweepGapBriers(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] logZHeads,
                                  double[] mixSq) {
        engine().sweepGapBriers(spec, t0, n, chunks, targets, logZHeads, mixSq);
    }
}
