package org.gapscope.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.api.DType;
import org.gapscope.api.DeviceInfo;
import org.gapscope.api.InputException;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;
import org.gapscope.host.Decomposition;
import org.gapscope.kernels.Chunks;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoDeviceMap;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

/**
 * The part of the tornado backend that touches TornadoVM: the selected device, the plan cache and
 * the host side of each launch (filling a plan's input arrays, executing it, reading its outputs,
 * turning a TornadoVM failure into a clear error). A plan's arrays are reused from call to call, so
 * the launches are synchronized: one op at a time per device. Loaded only after {@link TornadoBackend} found
 * TornadoVM on the class path.
 *
 * <p>Work decomposition per device type (overridable with system properties):
 * <ul>
 *   <li>CPU devices (PoCL): contiguous chunks of 4096 elements (each work-item streams its own cache
 *       lines), work-groups of 8 work-items.</li>
 *   <li>GPUs and accelerators: strided chunks (neighbouring work-items read neighbouring elements:
 *       coalesced loads) of 1024 elements, work-groups of 128.</li>
 * </ul>
 * Properties: {@code gapscope.tornado.chunk}, {@code gapscope.tornado.layout} (contiguous|strided),
 * {@code gapscope.tornado.local}, {@code gapscope.tornado.plans} (plans kept, default 16). The LSE of
 * FP32 data and the sweep's two passes run as KernelContext launches with local memory on GPUs ({@code gapscope.tornado.kc},
 * default true on accelerators, false on CPU devices; {@code gapscope.tornado.group} work-items per
 * work-group, default 128; {@code gapscope.tornado.groupChunk} elements per work-group, default 8192).
 */
final class Engine {

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    final TornadoDevice device;
    final DeviceInfo info;
    final boolean accelerator;
    final int computeUnits;
    /** Layout, chunk lengths and work-group size of every launch on this device (and of the host passes). */
    final Decomposition decomposition;
    /** Work-group size of the KernelContext LSE (0: the @Parallel form): on by default on GPUs. */
    final int group;
    /** Elements per chunk (= per work-group) of the KernelContext LSE. */
    final int groupChunk;
    /**
     * No FP64 on the device (or forced with gapscope.tornado.fp32=true, to test this path on an FP64
     * device): logSumExp of F32 data in compensated FP32; softmax and logSoftmax use it and write on
     * the host; the other ops need FP64 and fail with an error naming the device.
     */
    final boolean fp32;
    private final int maxPlans;
    private final LinkedHashMap<PlanKey, Plans.Launch> plans = new LinkedHashMap<>(16, 0.75f, true);

    private Engine(TornadoDevice device, DeviceInfo info) {
        this.device = device;
        this.info = info;
        this.accelerator = device.getDeviceType() != TornadoDeviceType.CPU;
        int cu = 1;
        try {
            cu = device.getPhysicalDevice().getDeviceMaxComputeUnits();
        } catch (RuntimeException e) {
            // unknown: 1
        }
        this.computeUnits = Math.max(1, cu);
        String lay = System.getProperty("gapscope.tornado.layout", accelerator ? "strided" : "contiguous");
        this.decomposition = new Decomposition(lay.equalsIgnoreCase("strided") ? Chunks.STRIDED : Chunks.CONTIGUOUS,
                Math.max(1, Integer.getInteger("gapscope.tornado.chunk", accelerator ? 1024 : 4096)),
                Math.max(1, Integer.getInteger("gapscope.tornado.crowdingChunk", 16384)),
                Math.max(1, Integer.getInteger("gapscope.tornado.local", accelerator ? 128 : 8)));
        this.maxPlans = Math.max(1, Integer.getInteger("gapscope.tornado.plans", 16));
        this.fp32 = !info.fp64() || Boolean.getBoolean("gapscope.tornado.fp32");
        int grp = Integer.getInteger("gapscope.tornado.group", 128);
        boolean kc = Boolean.parseBoolean(System.getProperty("gapscope.tornado.kc", String.valueOf(accelerator)));
        this.group = kc ? Integer.highestOneBit(Math.max(1, Math.min(grp, Tasks.MAX_GROUP))) : 0;
        this.groupChunk = Math.max(1, Integer.getInteger("gapscope.tornado.groupChunk", 8192));
        this.sweepGroupItems = Math.max(1, Integer.getInteger("gapscope.tornado.sweepGroupItems", 1 << 19));
    }

    // ---- devices ------------------------------------------------------------------------------------

    /** Every device of every TornadoVM driver, the selected one marked. */
    static List<DeviceInfo> list(String selected) {
        List<DeviceInfo> out = new ArrayList<>();
        TornadoDeviceMap map = TornadoExecutionPlan.getTornadoDeviceMap();
        List<TornadoBackend> drivers = map.getAllBackends();
        for (int b = 0; b < drivers.size(); b++) {
            TornadoBackend driver = drivers.get(b);
            for (int d = 0; d < driver.getNumDevices(); d++) {
                TornadoDevice dev = driver.getDevice(d);
                String id = b + ":" + d;
                out.add(describe(id, driver, dev, id.equals(selected)));
            }
        }
        return out;
    }

    static DeviceInfo describe(String id, TornadoBackend driver, TornadoDevice dev, boolean selected) {
        boolean fp64;
        try {
            fp64 = dev.getDeviceContext().isFP64Supported();
        } catch (RuntimeException e) {
            fp64 = false;
        }
        return new DeviceInfo(id, driver.getBackendType() + " (" + dev.getPlatformName().trim() + ")",
                dev.getPhysicalDevice().getDeviceName().trim(), String.valueOf(dev.getDeviceType()),
                dev.getMaxGlobalMemory(), fp64, selected);
    }

    /**
     * Opens the device "driver:device" (null: TornadoVM's default device, usually 0:0). Throws
     * InputException for a selection that names no device.
     */
    static Engine open(String selection) {
        TornadoDeviceMap map = TornadoExecutionPlan.getTornadoDeviceMap();
        List<TornadoBackend> drivers = map.getAllBackends();
        String sel = selection == null || selection.isBlank() ? "0:0" : selection.trim();
        String[] parts = sel.split(":");
        int b;
        int d;
        try {
            b = parts.length == 2 ? Integer.parseInt(parts[0]) : 0;
            d = Integer.parseInt(parts[parts.length == 2 ? 1 : 0]);
        } catch (NumberFormatException e) {
            throw new InputException("--device " + sel + ": expected DRIVER:DEVICE as listed by 'gapscope devices' (e.g. 0:0)");
        }
        if (b < 0 || b >= drivers.size() || d < 0 || d >= drivers.get(b).getNumDevices()) {
            throw new InputException("--device " + sel + ": no such TornadoVM device (" + list(null).stream()
                    .map(i -> i.id() + " " + i.name()).reduce((x, y) -> x + ", " + y).orElse("none found") + ")");
        }
        TornadoDevice dev = drivers.get(b).getDevice(d);
        return new Engine(dev, describe(b + ":" + d, drivers.get(b), dev, true));
    }

    // ---- plans and launches ------------------------------------------------------------------------

    /**
     * The identity of a cached plan: a record per op of every value that becomes a constant of its device
     * code (shapes, chunk counts, layout, mode codes). The decomposition's work-group size is the same
     * for every plan of an engine, so it is not part of a key.
     */
    interface PlanKey {}

    record LseKey(boolean f32, int rows, int v, int chunks, int layout, int group) implements PlanKey {}

    record LseF32Key(int rows, int v, int chunks, int layout) implements PlanKey {}

    record SoftmaxKey(boolean f32, int rows, int v, int chunks, int layout, int log) implements PlanKey {}

    record GapKey(boolean f32, int tokens, int heads, int v, int extraMode, int chunks, int layout) implements PlanKey {}

    record AttentionKey(int heads, int tq, int tk, int d, int dv, int mask) implements PlanKey {}

    record CrowdingKey(int reps, long distractors, int chunks, int layout) implements PlanKey {}

    /** The sweep's first pass (brier false) or its second (brier true); group &gt; 0: the work-group form. */
    record SweepKey(boolean brier, int tokens, int heads, int v, int chunks, int layout, int group)
            implements PlanKey {}

    /** The frequencies are constants of the plan too: their hash here, their values checked on a hit. */
    record PositionalKey(int m, int count, int omegasHash) implements PlanKey {}

    /**
     * The cached launch for {@code key}, built on first use. A build that fails (TornadoVM cannot parse a
     * task for the device) becomes a {@link TornadoFailure} naming the op.
     */
    @SuppressWarnings("unchecked")
    synchronized <P extends Plans.Launch> P plan(String op, PlanKey key, Supplier<P> build) {
        Plans.Launch p = plans.get(key);
        if (p == null) {
            // TornadoVM sketches (parses) the tasks here: a bailout may come now
            Captured.Result<P> built = Captured.run(build);
            rethrow(op, built);
            p = built.value();
            plans.put(key, p);
            while (plans.size() > maxPlans) {
                Map.Entry<PlanKey, Plans.Launch> eldest = plans.entrySet().iterator().next();
                plans.remove(eldest.getKey());
                eldest.getValue().close();
            }
        }
        return (P) p;
    }

    /**
     * Executes a plan; a TornadoVM failure (bailout, compile error, device error) becomes a
     * {@link TornadoFailure}. The first execution of a plan compiles its kernels: during it, what TornadoVM
     * prints is captured ({@link Captured}), kept off stdout, and put into the failure's report.
     */
    void run(String op, Plans.Plan p) {
        if (!executed.contains(p)) {
            Captured.Result<Boolean> r = Captured.run(() -> {
                p.execute();
                return Boolean.TRUE;
            });
            rethrow(op, r);
            executed.add(p);
            return;
        }
        try {
            p.execute();
        } catch (RuntimeException | Error e) {
            throw new TornadoFailure(op, info, e);
        }
    }

    /** Plans executed once already (their kernels are compiled). */
    private final java.util.Set<Plans.Plan> executed =
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());

    /** Turns a captured failure into a {@link TornadoFailure}; after a success, passes the printed text to stderr. */
    private void rethrow(String op, Captured.Result<?> r) {
        Throwable t = r.failure() != null ? r.failure() : r.error();
        if (t != null) {
            throw new TornadoFailure(op, info, t, r.printed());
        }
        if (!r.printed().isEmpty()) {
            System.err.print(r.printed());
            System.err.flush();
        }
    }

    int chunks(long n) {
        return (int) Math.max(1, (n + decomposition.chunk() - 1) / decomposition.chunk());
    }

    // ---- logSumExp ----------------------------------------------------------------------------------

    /**
     * LSE of rows [r0, r0 + n) of x into out[r0 ...]; rows whose input holds a value with a non-finite
     * x/T are marked in special (found while the rows are copied in: the device runs under fast math and
     * cannot see NaN or inf), and the caller takes them on the host.
     */
    synchronized void lseRows(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
        if (fp32) {
            lseRowsF32(x, r0, n, v, invT, out, special);
            return;
        }
        boolean f32 = x.dtype() == DType.F32;
        int grp = f32 ? group : 0;
        int c = grp > 0 ? (int) Math.max(1, (v + groupChunk - 1L) / groupChunk) : chunks(v);
        int layout = decomposition.layout();
        Plans.Lse p = plan("logSumExp", new LseKey(f32, n, v, c, layout, grp),
                () -> Plans.Lse.build(device, f32, n, v, c, layout, decomposition.local(), grp));
        boolean[] bad = copyIn(x, r0, n, v, invT, p.in());
        run("logSumExp", p.plan());
        System.arraycopy(p.out(), 0, out, r0, n);
        System.arraycopy(bad, 0, special, r0, n);
    }

    /** FP64-less devices: compensated FP32 states on the device, M + log D on the host in FP64. */
    private void lseRowsF32(Tensor x, int r0, int n, int v, double invT, double[] out, boolean[] special) {
        if (x.dtype() != DType.F32) {
            throw needsFp64("logSumExp of F64 data");
        }
        int c = chunks(v);
        int layout = decomposition.layout();
        Plans.LseF32 p = plan("logSumExp", new LseF32Key(n, v, c, layout),
                () -> Plans.LseF32.build(device, n, v, c, layout, decomposition.local()));
        boolean[] bad = copyIn(x, (long) r0 * v, p.x(), n, v, invT);
        p.p()[0] = (float) invT;
        run("logSumExp", p.plan());
        for (int r = 0; r < n; r++) {
            out[r0 + r] = p.outM()[r] + Math.log(p.outD()[r]);
        }
        System.arraycopy(bad, 0, special, r0, n);
    }

    /** An op that has no FP32 form yet, on a device without FP64. */
    InputException needsFp64(String op) {
        return new InputException(op + " needs FP64, and tornado device " + info.id() + " (" + info.name()
                + ") has none" + (info.fp64() ? " in this run (gapscope.tornado.fp32=true)" : "")
                + ": only logSumExp, softmax and logSoftmax of F32 data run there (compensated FP32); select"
                + " another device with --device, or use --backend cpu");
    }

    /**
     * Softmax or log-softmax of rows [r0, r0 + n) into out, given the rows' LSE. Returns which rows
     * hold non-finite values or have a non-finite LSE (not written here: the caller does them on the host).
     */
    synchronized boolean[] softmaxRows(Tensor x, int r0, int n, int v, double invT, double[] lse, int log, Tensor out) {
        if (fp32) { // the device gave the LSE; the O(V) write is host work here (all rows "bad")
            boolean[] all = new boolean[n];
            java.util.Arrays.fill(all, true);
            return all;
        }
        boolean f32 = x.dtype() == DType.F32;
        int c = chunks(v);
        int layout = decomposition.layout();
        String op = log == 1 ? "logSoftmax" : "softmax";
        Plans.Softmax p = plan(op, new SoftmaxKey(f32, n, v, c, layout, log),
                () -> Plans.Softmax.build(device, f32, n, v, c, layout, log, decomposition.local()));
        boolean[] bad = copyIn(x, r0, n, v, invT, p.in());
        for (int r = 0; r < n; r++) {
            double l = lse[r0 + r];
            bad[r] |= !Double.isFinite(l);
            p.lse()[r] = bad[r] ? 0.0 : l;
        }
        run(op, p.plan());
        MemorySegment o = out.segment();
        for (int r = 0; r < n; r++) {
            if (!bad[r]) {
                MemorySegment.copy(p.out(), r * v, o, DOUBLE, ((long) (r0 + r) * v) * 8, v);
            }
        }
        return bad;
    }

    // ---- jensenGap ----------------------------------------------------------------------------------

    synchronized void gapTokens(Tensor logits, Tensor extra, int t0, int n, int h, int v, double[] logZHeads, double[] logZ,
                   double[] logZMean, long[] nonFinite) {
        if (fp32) {
            throw needsFp64("jensenGap");
        }
        boolean f32 = logits.dtype() == DType.F32;
        int extraMode = extra == null ? 0 : extra.rank() == 2 ? 2 : 1;
        int extraLen = extraMode == 0 ? 0 : extraMode == 2 ? n * v : v;
        int c = chunks(v);
        int layout = decomposition.layout();
        Plans.Gap p = plan("jensenGap", new GapKey(f32, n, h, v, extraMode, c, layout),
                () -> Plans.Gap.build(device, f32, n, h, v, extraMode, extraLen, c, layout, decomposition.local()));
        boolean[] badHeads = copyIn(logits, (long) t0 * h * v, p.logits(), n, h * v, 1.0);
        boolean[] badExtra = new boolean[n];
        if (extraMode != 0) {
            long from = extraMode == 2 ? (long) t0 * v : 0;
            int rows = extraMode == 2 ? n : 1;
            boolean[] b = copyIn(extra, from, p.extra(), rows, v, 1.0);
            for (int t = 0; t < n; t++) {
                badExtra[t] = b[extraMode == 2 ? t : 0];
            }
        }
        run("jensenGap", p.plan());
        System.arraycopy(p.logZHeads(), 0, logZHeads, t0 * h, n * h);
        System.arraycopy(p.logZ(), 0, logZ, t0, n);
        System.arraycopy(p.logZMean(), 0, logZMean, t0, n);
        for (int t = 0; t < n; t++) {
            if (badHeads[t] || badExtra[t]) {
                nonFinite[t0 + t] = countNonFinite(logits, (long) (t0 + t) * h * v, h * v)
                        + (extraMode == 0 ? 0 : countNonFinite(extra, extraMode == 2 ? (long) (t0 + t) * v : 0, v));
            }
        }
    }

    static long countNonFinite(Tensor x, long from, int n) {
        long c = 0;
        for (long i = from; i < from + n; i++) {
            if (!Double.isFinite(x.get(i))) {
                c++;
            }
        }
        return c;
    }

    // ---- attention ----------------------------------------------------------------------------------

    synchronized void attentionHeads(double[] q, double[] k, double[] v, int nh, int tq, int tk, int d, int dv, double scale,
                        int mask, double[] out, double[] lse) {
        if (fp32) {
            throw needsFp64("attention");
        }
        Plans.Attn p = plan("attention", new AttentionKey(nh, tq, tk, d, dv, mask),
                () -> Plans.Attn.build(device, nh, tq, tk, d, dv, mask, decomposition.local()));
        System.arraycopy(q, 0, p.q(), 0, p.q().length);
        System.arraycopy(k, 0, p.k(), 0, p.k().length);
        System.arraycopy(v, 0, p.v(), 0, p.v().length);
        p.p()[0] = scale;
        run("attention", p.plan());
        System.arraycopy(p.out(), 0, out, 0, p.out().length);
        System.arraycopy(p.lse(), 0, lse, 0, p.lse().length);
    }

    // ---- crowding -----------------------------------------------------------------------------------

    synchronized void crowdingPartials(int reps, long distractors, int chunks, int firstRep, long seed, int law, double a,
                          double b, double c, double scale, double[] m, double[] d) {
        if (fp32) {
            throw needsFp64("crowding");
        }
        int layout = decomposition.layout();
        Plans.Crowd p = plan("crowding", new CrowdingKey(reps, distractors, chunks, layout),
                () -> Plans.Crowd.build(device, reps, distractors, chunks, layout, decomposition.local()));
        p.p()[0] = a;
        p.p()[1] = b;
        p.p()[2] = c;
        p.p()[3] = scale;
        p.ip()[0] = firstRep;
        p.ip()[1] = law;
        p.seed()[0] = seed;
        run("crowding", p.plan());
        System.arraycopy(p.m(), 0, m, 0, m.length);
        System.arraycopy(p.d(), 0, d, 0, d.length);
    }

    // ---- positional ---------------------------------------------------------------------------------

    synchronized double[] positional(double[] omegas, double[] deltas) {
        if (fp32) {
            throw needsFp64("positional");
        }
        double[] w = omegas.clone();
        int local = decomposition.local();
        Plans.Pos p = plan("positional", new PositionalKey(w.length, deltas.length, Arrays.hashCode(w)),
                () -> Plans.Pos.build(device, w, deltas.length, local));
        if (!Arrays.equals(p.omegas(), omegas)) { // a hash collision: a plan of its own, uncached
            try (Plans.Pos fresh = Plans.Pos.build(device, w, deltas.length, local)) {
                return positionalRun(fresh, deltas);
            }
        }
        return positionalRun(p, deltas);
    }

    private double[] positionalRun(Plans.Pos p, double[] deltas) {
        System.arraycopy(deltas, 0, p.deltas(), 0, deltas.length);
        run("positional", p.plan());
        return p.f().clone();
    }

    // ---- host helpers ---------------------------------------------------------------------------------

    /**
     * Copies rows [0, n) of length len from x (starting at element from) into a and returns, in the same
     * pass, which rows hold an x whose x * scale is NaN or infinite ((x * scale) * 0 is NaN exactly for
     * those). The FP32 check is the stricter one: a product that overflows FP32 may still be finite in
     * the device's FP64, and such a row is taken on the host all the same.
     */
    /** Fills a row op's input with rows [r0, r0 + n) of x and 1/T; returns the rows that hold a non-finite x/T. */
    static boolean[] copyIn(Tensor x, int r0, int n, int v, double invT, Plans.Rows in) {
        in.p()[0] = invT;
        return copyIn(x, (long) r0 * v, in.x(), n, v, invT);
    }

    static boolean[] copyIn(Tensor x, long from, Plans.Data a, int n, int len, double scale) {
        return a.f32() ? copyIn(x, from, a.f(), n, len, scale) : copyIn(x, from, a.d(), n, len, scale);
    }

    static boolean[] copyIn(Tensor x, long from, float[] a, int n, int len, double scale) {
        boolean[] bad = new boolean[n];
        MemorySegment seg = x.segment();
        boolean f32 = x.dtype() == DType.F32;
        int lanes = FS.length();
        float sc = (float) scale;
        for (int r = 0; r < n; r++) {
            int base = r * len;
            if (f32) {
                MemorySegment.copy(seg, FLOAT, (from + base) * 4, a, base, len);
            } else {
                for (int i = 0; i < len; i++) {
                    a[base + i] = (float) seg.getAtIndex(DOUBLE, from + base + i);
                }
            }
            FloatVector acc = FloatVector.zero(FS);
            int bound = base + FS.loopBound(len);
            int i = base;
            for (; i < bound; i += lanes) {
                acc = acc.add(FloatVector.fromArray(FS, a, i).mul(sc).mul(0f));
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < base + len; i++) {
                s += a[i] * sc * 0f;
            }
            bad[r] = s != 0f;
        }
        return bad;
    }

    static boolean[] copyIn(Tensor x, long from, double[] a, int n, int len, double scale) {
        boolean[] bad = new boolean[n];
        MemorySegment seg = x.segment();
        boolean f64 = x.dtype() == DType.F64;
        int lanes = DS.length();
        for (int r = 0; r < n; r++) {
            int base = r * len;
            if (f64) {
                MemorySegment.copy(seg, DOUBLE, (from + base) * 8, a, base, len);
            } else {
                for (int i = 0; i < len; i++) {
                    a[base + i] = seg.getAtIndex(FLOAT, from + base + i);
                }
            }
            DoubleVector acc = DoubleVector.zero(DS);
            int bound = base + DS.loopBound(len);
            int i = base;
            for (; i < bound; i += lanes) {
                acc = acc.add(DoubleVector.fromArray(DS, a, i).mul(scale).mul(0.0));
            }
            double s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < base + len; i++) {
                s += a[i] * scale * 0.0;
            }
            bad[r] = s != 0.0;
        }
        return bad;
    }

    // ---- sweepGap -----------------------------------------------------------------------------------

    /**
     * Work-items of one launch of the sweep's work-group form ({@code gapscope.tornado.sweepGroupItems},
     * default 2^19: its per-work-item buffers take about 70 MB).
     */
    final int sweepGroupItems;

    /**
     * Chunks per token of a sweep point on this device: as the host's rule, with this device's chunk length;
     * in the work-group form also at most {@link #sweepGroupItems} / group, so that one token fits a launch.
     */
    int sweepChunks(int heads, int v) {
        int c = Math.min(chunks(v), Math.max(64, org.gapscope.host.KernelBackend.SWEEP_STATES / heads));
        return group > 0 ? Math.min(c, Math.max(1, sweepGroupItems / group)) : c;
    }

    private static void sweepParameters(Plans.SweepInputs in, SweepSpec spec, long t0, int[] targets) {
        in.p()[0] = spec.sigma();
        in.p()[1] = spec.margin();
        in.p()[2] = Math.sqrt(spec.rho());
        in.p()[3] = Math.sqrt(1 - spec.rho());
        in.p()[4] = spec.temperature();
        in.ip()[0] = spec.law().code;
        in.lp()[0] = spec.seed();
        in.lp()[1] = t0;
        System.arraycopy(targets, 0, in.targets(), 0, in.targets().length);
    }

    /** The sweep's first pass on the device; out = {hm, hd, hd2, am, ad, mm, md, lt} (the states come back). */
    synchronized void sweepGapPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[][] out) {
        if (fp32) {
            throw needsFp64("sweepGap");
        }
        int h = spec.heads();
        int v = spec.vocab();
        int layout = decomposition.layout();
        if (group > 0) {
            sweepGapGroupPartials(spec, t0, n, chunks, targets, out);
            return;
        }
        Plans.Sweep p = plan("sweepGap", new SweepKey(false, n, h, v, chunks, layout, 0),
                () -> Plans.Sweep.partial(device, n, h, v, chunks, layout, decomposition.local()));
        sweepParameters(p.in(), spec, t0, targets);
        run("sweepGap", p.plan());
        for (int k = 0; k < out.length; k++) {
            System.arraycopy(p.out()[k], 0, out[k], 0, out[k].length);
        }
    }

    /** The first pass in the work-group form ({@link #groupLaunches}); each launch's states land at its tokens' place in out. */
    private void sweepGapGroupPartials(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[][] out) {
        int h = spec.heads();
        int v = spec.vocab();
        int layout = decomposition.layout();
        groupLaunches(n, chunks, (s, m) -> {
            Plans.Sweep p = plan("sweepGap", new SweepKey(false, m, h, v, chunks, layout, group),
                    () -> Plans.Sweep.partialGroup(device, m, h, v, chunks, layout, group));
            sweepParameters(p.in(), spec, t0 + s, java.util.Arrays.copyOfRange(targets, s, s + m));
            run("sweepGap", p.plan());
            int items = m * chunks;
            for (int k = 0; k < 3; k++) { // head states
                System.arraycopy(p.out()[k], 0, out[k], s * chunks * h, items * h);
            }
            double[] aggMean = p.out()[3];
            for (int i = 0; i < items; i++) {
                for (int k = 0; k < 4; k++) {
                    out[3 + k][s * chunks + i] = aggMean[i * 4 + k];
                }
            }
            System.arraycopy(p.out()[4], 0, out[7], s * h, m * h);
        });
    }

    /** The sweep's second pass on the device. */
    synchronized void sweepGapBriers(SweepSpec spec, long t0, int n, int chunks, int[] targets, double[] logZHeads,
                                     double[] mixSq) {
        if (fp32) {
            throw needsFp64("sweepGap");
        }
        int h = spec.heads();
        int v = spec.vocab();
        int layout = decomposition.layout();
        if (group > 0) { // the work-group form, in launches of whole tokens as the first pass
            groupLaunches(n, chunks, (s, m) -> {
                Plans.Sweep p = plan("sweepGap", new SweepKey(true, m, h, v, chunks, layout, group),
                        () -> Plans.Sweep.brierGroup(device, m, h, v, chunks, layout, group));
                sweepParameters(p.in(), spec, t0 + s, java.util.Arrays.copyOfRange(targets, s, s + m));
                System.arraycopy(logZHeads, s * h, p.out()[0], 0, m * h);
                run("sweepGap", p.plan());
                System.arraycopy(p.out()[1], 0, mixSq, s * chunks, m * chunks);
            });
            return;
        }
        Plans.Sweep p = plan("sweepGap", new SweepKey(true, n, h, v, chunks, layout, 0),
                () -> Plans.Sweep.brier(device, n, h, v, chunks, layout, decomposition.local()));
        sweepParameters(p.in(), spec, t0, targets);
        System.arraycopy(logZHeads, 0, p.out()[0], 0, n * h);
        run("sweepGap", p.plan());
        System.arraycopy(p.out()[1], 0, mixSq, 0, mixSq.length);
    }

    /** The tokens [s, s + m) of one launch of a batch. */
    private interface TokenLaunch {
        void run(int s, int m);
    }

    /**
     * The launches of the sweep's work-group form for a batch of n tokens: whole tokens, at most
     * {@link #sweepGroupItems} work-items each, in order.
     */
    private void groupLaunches(int n, int chunks, TokenLaunch launch) {
        int per = Math.max(1, sweepGroupItems / (group * chunks));
        for (int s = 0; s < n; s += per) {
            launch.run(s, Math.min(per, n - s));
        }
    }
}
