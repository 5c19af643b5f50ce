package org.gapscope.tornado;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.BackendOptions;
import org.gapscope.api.Capabilities;
import org.gapscope.api.Checks;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.DeviceInfo;
import org.gapscope.api.InputException;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.host.Decomposition;
import org.gapscope.host.KernelBackend;
import org.gapscope.host.TornadoHint;
import org.gapscope.kernels.Chunks;

/**
 * The {@code tornado} backend: the kernel bodies compiled by TornadoVM for an OpenCL, PTX or SPIR-V
 * device (tasks in {@link Tasks}, execution plans in {@link Plans}, launches in {@link Engine}). The host part of every op
 * (validation, batching, the NaN/+-inf conventions the bodies leave out) is the one of
 * {@link KernelBackend}; the hot passes (LSE, softmax, the fused Jensen-gap pass, attention, the
 * crowding draws, positional sums) run on the device.
 *
 * <p>The device: {@link BackendOptions#device()} (the CLI's {@code --device}, applied through
 * {@link #configured}), else the environment variable GAPSCOPE_TORNADO_DEVICE, else 0:0, TornadoVM's
 * default. Rows, tokens
 * or heads whose input holds NaN or +-inf are found on the host while their data is copied in and take
 * the host's special path (the device runs under fast math, which cannot see them).
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

    /**
     * What opening a device gave: its engine, or why there is none. (An {@link Opened} is made only once
     * TornadoVM was found: Engine's class needs TornadoVM's.)
     */
    sealed interface Probe permits Opened, Unavailable {}

    record Opened(Engine engine) implements Probe {}

    record Unavailable(String reason) implements Probe {}

    /** The probe of every device selection opened so far: shared by all instances. */
    private static final Map<String, Probe> ENGINES = new HashMap<>();

    /** The device selection "DRIVER:DEVICE" this instance runs on. */
    private final String selection;

    /** The default device: GAPSCOPE_TORNADO_DEVICE, else 0:0 (TornadoVM's default). */
    public TornadoBackend() {
        this(null);
    }

    /**
     * The backend on a device: its host passes take the device engine's decomposition, so that one value
     * decides the chunks of every pass (a device that does not open leaves the backend unavailable).
     */
    private TornadoBackend(String device) {
        String sel = device == null || device.isBlank() ? defaultSelection() : device.trim();
        super("tornado", PARALLEL, probe(sel) instanceof Opened o ? o.engine().decomposition : UNAVAILABLE);
        this.selection = sel;
    }

    /** The decomposition of a backend whose device did not open (it runs nothing). */
    private static final Decomposition UNAVAILABLE = Decomposition.host(Chunks.CONTIGUOUS, 4096, 16384);

    /** The backend on {@code options.device()} (the CLI's --device), or this one when none is given. */
    @Override
    public TornadoBackend configured(BackendOptions options) {
        return options.device() == null ? this : new TornadoBackend(options.device());
    }

    static String defaultSelection() {
        String s = System.getenv("GAPSCOPE_TORNADO_DEVICE");
        return s == null || s.isBlank() ? "0:0" : s.trim();
    }

    /** The engine of this instance's device, or why there is none. */
    private Probe probe() {
        return probe(selection);
    }

    private static Probe probe(String selection) {
        synchronized (ENGINES) {
            return ENGINES.computeIfAbsent(selection, TornadoBackend::open);
        }
    }

    private static Probe open(String sel) {
        try {
            Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false,
                    TornadoBackend.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new Unavailable("TornadoVM is not on the class path. " + TornadoHint.ADVICE);
        }
        if (Boolean.parseBoolean(System.getProperty("tornado.recover.bailout", "false").trim())) {
            return new Unavailable("-Dtornado.recover.bailout=" + System.getProperty("tornado.recover.bailout")
                    + " is set: TornadoVM would then run a kernel it cannot compile for the device as plain Java on the"
                    + " host, and gapscope takes no silent fallback; remove the setting");
        }
        try {
            return new Opened(Engine.open(sel));
        } catch (InputException e) {
            return new Unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return new Unavailable("TornadoVM did not start (" + TornadoFailure.reason(e) + "). Run gapscope through"
                    + " scripts/gapscope with TORNADOVM_HOME set (it adds TornadoVM's argfile to the JVM), or see"
                    + " README, 'GPU workstation'");
        }
    }

    private Engine engine() {
        return switch (probe()) {
            case Opened o -> o.engine();
            case Unavailable u -> throw new InputException("--backend tornado: not available here: " + u.reason());
        };
    }

    @Override
    public boolean available() {
        return probe() instanceof Opened;
    }

    @Override
    public String unavailableReason() {
        return probe() instanceof Unavailable u ? u.reason() : "";
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
                "FP64 on the device: per-chunk (m, d) states (" + (e.decomposition.layout() == Chunks.STRIDED
                        ? "strided" : "contiguous") + " chunks of " + e.decomposition.chunk()
                        + "), merged on the device in chunk order");
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
    protected void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
        engine().lseRows(x, r0, n, v, invT, out, special);
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

    /** The device launches every chunk of a repetition: a share of them is not launched alone. */
    @Override
    protected boolean crowdingSplits() {
        return false;
    }

    @Override
    protected void crowdingPartials(CrowdingSpec spec, long distractors, int chunks, int c0, int c1, double scale,
                                    double[] m, double[] d) {
        if (c0 != 0 || c1 != chunks) {
            throw new IllegalStateException("tornado launches all " + chunks + " chunks, not [" + c0 + ", " + c1 + ")");
        }
        engine().crowdingPartials(spec.reps(), distractors, chunks, spec.firstRep(), spec.seed(),
                spec.law().kind().code, spec.law().a(), spec.law().b(), spec.law().c(), scale, m, d);
    }

    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        Checks.positional(omegas);
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
