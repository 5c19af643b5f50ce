package org.gapscope.tornado;

import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;

/**
 * TornadoVM execution plans around the {@link Tasks}: one plan per op and shape, built once and
 * executed many times. A plan owns its host arrays; the caller fills the input arrays, calls
 * {@link Plan#execute()} and reads the output arrays. Inputs that change on every call are transferred
 * on every execution; fixed inputs (the positional frequencies) only on the first; intermediate
 * states (the partial (m, d) of a reduction) stay on the device between the partial and the merge
 * task of the same graph.
 *
 * <p>Every task gets an explicit work-group size through a {@link GridScheduler}: with the default,
 * up to 512 work-items land in one work-group, which PoCL runs on one core. The
 * global size is the number of work-items rounded up to a multiple of the local size. Under a
 * GridScheduler TornadoVM takes a {@code @Parallel} loop's bound from the grid, not from the loop, so
 * each task guards its body with {@code item < items}: the extra work-items do nothing.
 */
public final class Plans {
    private Plans() {}

    private static final AtomicLong IDS = new AtomicLong();

    /**
     * A built plan and the host arrays of its op: what {@link Engine} caches, executes and closes. The
     * ops' launches are records of their plan and arrays; a bare {@link Plan} is its own launch.
     */
    public interface Launch extends AutoCloseable {
        Plan plan();

        @Override
        default void close() {
            plan().close();
        }
    }

    /** A built execution plan and its scheduler. */
    public static class Plan implements Launch {
        final TornadoExecutionPlan plan;

        public Plan(TaskGraph graph, GridScheduler grid, TornadoDevice device) {
            ImmutableTaskGraph itg = graph.snapshot();
            this.plan = new TornadoExecutionPlan(itg);
            plan.withDevice(device).withGridScheduler(grid);
        }

        /** Compiles the OpenCL code in strict IEEE mode (no fast-relaxed-math, no mad). */
        Plan strict() {
            plan.withCompilerFlags(TornadoVMBackendType.OPENCL, "-w");
            return this;
        }

        private boolean compiled;

        /**
         * Runs the graph on the device (transfers, tasks, copies back). The first execution compiles the
         * tasks; TornadoVM's compiler prints notes on System.out then, which go to System.err instead so
         * that they never mix with gapscope's output (JSON included).
         */
        public void execute() {
            if (compiled) {
                plan.execute();
                return;
            }
            java.io.PrintStream out = System.out;
            System.setOut(System.err);
            try {
                plan.execute();
                compiled = true;
            } finally {
                System.setOut(out);
            }
        }

        @Override
        public Plan plan() {
            return this;
        }

        @Override
        public void close() {
            try {
                plan.freeDeviceMemory();
                plan.close();
            } catch (Exception e) {
                // a plan that cannot be freed is dropped all the same
            }
        }
    }

    static int localSize(long items, int local) {
        return (int) Math.max(1, Math.min(local, items));
    }

    /** The global size: items rounded up to a multiple of the work-group size. */
    static int global(long items, int local) {
        int l = localSize(items, local);
        return Math.toIntExact((items + l - 1) / l * l);
    }

    /**
     * A task graph being built: its unique name, its transfers and tasks, and the work-items of each task
     * (in work-groups of {@code local}). Inputs go to the device on every execution ({@link #in}) or on
     * the first only ({@link #once}: fixed inputs, and device-side intermediate states); outputs come
     * back on every execution ({@link #out}).
     */
    static final class Graph {
        final String name;
        final TaskGraph tasks;
        final GridScheduler grid = new GridScheduler();
        private final int local;

        Graph(String op, int local) {
            this.name = op + IDS.incrementAndGet();
            this.tasks = new TaskGraph(name);
            this.local = local;
        }

        Graph in(Object... arrays) {
            tasks.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
            return this;
        }

        Graph once(Object... arrays) {
            tasks.transferToDevice(DataTransferMode.FIRST_EXECUTION, arrays);
            return this;
        }

        Graph out(Object... arrays) {
            tasks.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays);
            return this;
        }

        /**
         * Schedules task {@code task} over {@code items} work-items in groups of {@code local} and returns
         * the global size (items rounded up to a multiple of the group), the task's loop bound.
         */
        int items(String task, long items) {
            return work(task, global(items, local), localSize(items, local));
        }

        /** Schedules a KernelContext task: {@code groups} work-groups of {@code size} work-items. */
        int work(String task, int global, int size) {
            WorkerGrid1D w = new WorkerGrid1D(global);
            w.setLocalWork(size, 1, 1);
            grid.addWorkerGrid(name + "." + task, w);
            return global;
        }

        Plan build(TornadoDevice device) {
            return new Plan(tasks, grid, device);
        }
    }

    /**
     * A plan input that is F32 or F64 data: the array of the data's type, and a one-element placeholder
     * of the other type (the task of the other type is not in the graph).
     */
    public record Data(boolean f32, float[] f, double[] d) {
        static Data of(boolean f32, int n) {
            return new Data(f32, new float[f32 ? n : 1], new double[f32 ? 1 : n]);
        }

        /** The array the device reads. */
        Object used() {
            return f32 ? f : d;
        }
    }

    // ---- logSumExp ------------------------------------------------------------------------------

    /** The input of the row ops: {@code rows} rows of length v of F32 or F64 data x, and p[0] = 1/T. */
    public record Rows(Data x, double[] p) {
        static Rows of(boolean f32, int rows, int v) {
            return new Rows(Data.of(f32, rows * v), new double[1]);
        }
    }

    /** LSE of rows (partial states per chunk, merged on the device). */
    public record Lse(Plan plan, Rows in, double[] out) implements Launch {
        /**
         * group &gt; 0 (F32 only): the KernelContext form, one work-group of that many work-items per chunk
         * ({@link Tasks#lsePartialGroupF32}); else the @Parallel form, one work-item per chunk.
         */
        public static Lse build(TornadoDevice dev, boolean f32, int rows, int v, int chunks, int layout, int local,
                                int group) {
            Rows in = Rows.of(f32, rows, v);
            int items = rows * chunks;
            double[] m = new double[items];
            double[] d = new double[items];
            double[] out = new double[rows];
            Graph g = new Graph("lse", local).in(in.x().used(), in.p()).once(m, d);
            if (f32 && group > 0) {
                g.tasks.task("partial", Tasks::lsePartialGroupF32, new KernelContext(), in.x().f(), in.p(), m, d, v,
                        chunks, group);
                g.work("partial", items * group, group);
            } else if (f32) {
                g.tasks.task("partial", Tasks::lsePartialF32, in.x().f(), in.p(), m, d, g.items("partial", items), items,
                        v, chunks, layout);
            } else {
                g.tasks.task("partial", Tasks::lsePartialF64, in.x().d(), in.p(), m, d, g.items("partial", items), items,
                        v, chunks, layout);
            }
            g.tasks.task("merge", Tasks::lseMerge, m, d, out, g.items("merge", rows), rows, chunks);
            g.out(out);
            return new Lse(g.build(dev), in, out);
        }
    }

    /**
     * LSE for devices without FP64: FP32 compensated partial states and merge on the device, strict
     * floating point; the host forms M + log D in FP64 from outM, outD. p[0] = 1/T.
     */
    public record LseF32(Plan plan, float[] x, float[] p, float[] outM, float[] outD) implements Launch {
        public static LseF32 build(TornadoDevice dev, int rows, int v, int chunks, int layout, int local) {
            int items = rows * chunks;
            float[] x = new float[rows * v];
            float[] p = new float[1];
            float[] m = new float[items];
            float[] d = new float[items];
            float[] outM = new float[rows];
            float[] outD = new float[rows];
            Graph g = new Graph("lse32c", local).in(x, p).once(m, d);
            g.tasks.task("partial", Tasks::lsePartialF32c, x, p, m, d, g.items("partial", items), items, v, chunks,
                            layout)
                    .task("merge", Tasks::lseMergeF32c, m, d, outM, outD, g.items("merge", rows), rows, chunks);
            g.out(outM, outD);
            return new LseF32(g.build(dev).strict(), x, p, outM, outD);
        }
    }

    /** softmax (log = 0) or log-softmax (log = 1) of rows given their LSE. */
    public record Softmax(Plan plan, Rows in, double[] lse, double[] out) implements Launch {
        public static Softmax build(TornadoDevice dev, boolean f32, int rows, int v, int chunks, int layout, int log,
                                    int local) {
            Rows in = Rows.of(f32, rows, v);
            double[] lse = new double[rows];
            double[] out = new double[rows * v];
            Graph g = new Graph("softmax", local).in(in.x().used(), in.p(), lse);
            int items = rows * chunks;
            int grid = g.items("write", items);
            if (f32) {
                g.tasks.task("write", Tasks::softmaxWriteF32, in.x().f(), in.p(), lse, out, grid, items, v, chunks,
                        layout, log);
            } else {
                g.tasks.task("write", Tasks::softmaxWriteF64, in.x().d(), in.p(), lse, out, grid, items, v, chunks,
                        layout, log);
            }
            g.out(out);
            return new Softmax(g.build(dev), in, lse, out);
        }
    }

    // ---- jensenGap ------------------------------------------------------------------------------

    /**
     * The fused Jensen-gap pass over {@code tokens} tokens [H, V] and its merge, on the device: inputs
     * logits and extra, outputs logZHeads, logZ, logZMean.
     */
    public record Gap(Plan plan, Data logits, Data extra, double[] logZHeads, double[] logZ, double[] logZMean)
            implements Launch {
        /** extraLen: 0 (none), v (one row for all tokens) or tokens * v. */
        public static Gap build(TornadoDevice dev, boolean f32, int tokens, int heads, int v, int extraMode,
                                int extraLen, int chunks, int layout, int local) {
            Graph g = new Graph("gap", local);
            int items = tokens * chunks;
            Data l = Data.of(f32, tokens * heads * v);
            Data e = Data.of(f32, Math.max(1, extraLen));
            double[][] s = states(6, items, 2, heads); // (m, d) per head, aggregate and mean
            double[] zh = new double[tokens * heads];
            double[] z = new double[tokens];
            double[] zm = new double[tokens];
            g.in(l.used(), e.used()).once((Object[]) s);
            int grid = g.items("partial", items);
            if (f32) {
                g.tasks.task("partial", Tasks::gapPartialF32, l.f(), e.f(), s[0], s[1], s[2], s[3], s[4], s[5], grid,
                        items, extraMode, heads, v, chunks, layout);
            } else {
                g.tasks.task("partial", Tasks::gapPartialF64, l.d(), e.d(), s[0], s[1], s[2], s[3], s[4], s[5], grid,
                        items, extraMode, heads, v, chunks, layout);
            }
            g.tasks.task("merge", Tasks::gapMerge, s[0], s[1], s[2], s[3], s[4], s[5], zh, z, zm,
                    g.items("merge", tokens), tokens, heads, chunks);
            g.out(zh, z, zm);
            return new Gap(g.build(dev), l, e, zh, z, zm);
        }
    }

    /**
     * {@code count} state arrays of {@code items} elements each, the first {@code perItem} of them with
     * {@code per} elements per item (per-head states).
     */
    static double[][] states(int count, int items, int perItem, int per) {
        double[][] s = new double[count][];
        for (int k = 0; k < count; k++) {
            s[k] = new double[k < perItem ? items * per : items];
        }
        return s;
    }

    // ---- attention ------------------------------------------------------------------------------

    /** Flash-style attention of {@code heads} heads, one work-item per (head, query). p[0] = scale. */
    public record Attn(Plan plan, double[] q, double[] k, double[] v, double[] p, double[] out, double[] lse)
            implements Launch {
        public static Attn build(TornadoDevice dev, int heads, int tq, int tk, int d, int dv, int mask, int local) {
            Graph g = new Graph("attention", local);
            int items = heads * tq;
            double[] q = new double[heads * tq * d];
            double[] k = new double[heads * tk * d];
            double[] v = new double[heads * tk * dv];
            double[] p = new double[1];
            double[] out = new double[heads * tq * dv];
            double[] lse = new double[heads * tq];
            g.in(q, k, v, p).tasks.task("attention", Tasks::attention, q, k, v, p, out, lse,
                    g.items("attention", items), items, tq, tk, d, dv, mask);
            g.out(out, lse);
            return new Attn(g.build(dev), q, k, v, p, out, lse);
        }
    }

    // ---- crowding -------------------------------------------------------------------------------

    /**
     * Partial (m, d) states of the crowding draws: nothing is transferred in but the parameters,
     * p = {a, b, c, scale}, ip = {firstRep, law}, seed = {seed}.
     */
    public record Crowd(Plan plan, double[] p, int[] ip, long[] seed, double[] m, double[] d) implements Launch {
        public static Crowd build(TornadoDevice dev, int reps, long n, int chunks, int layout, int local) {
            Graph g = new Graph("crowding", local);
            int items = reps * chunks;
            double[] p = new double[4];
            int[] ip = new int[2];
            long[] seed = new long[1];
            int[] scratch = new int[items * 4];
            double[] m = new double[items];
            double[] d = new double[items];
            g.in(p, ip, seed).once(scratch).tasks.task("partial", Tasks::crowdingPartial, p, ip, seed, scratch, m, d,
                    g.items("partial", items), items, n, chunks, layout);
            g.out(m, d);
            return new Crowd(g.build(dev), p, ip, seed, m, d);
        }
    }

    // ---- positional -----------------------------------------------------------------------------

    /** f(Delta) for a fixed set of frequencies, transferred on the first execution only. */
    public record Pos(Plan plan, double[] omegas, double[] deltas, double[] f) implements Launch {
        /** The plan keeps {@code omegas} (a copy the caller must not change): they go to the device once. */
        public static Pos build(TornadoDevice dev, double[] omegas, int count, int local) {
            Graph g = new Graph("positional", local);
            double[] deltas = new double[count];
            double[] f = new double[count];
            g.once(omegas).in(deltas).tasks.task("positional", Tasks::positional, omegas, deltas, f,
                    g.items("positional", count), count, omegas.length);
            g.out(f);
            return new Pos(g.build(dev), omegas, deltas, f);
        }
    }

    // ---- sweepGap -------------------------------------------------------------------------------

    /**
     * The parameters of a sweep launch: p = {sigma, margin, cs, ce, T}, ip = {law}, lp = {seed,
     * firstToken}, targets[t] = y* of the launch's token t; scratch holds 4 ints per work-item (the
     * Philox block) and stays on the device.
     */
    public record SweepInputs(double[] p, int[] ip, long[] lp, int[] targets, int[] scratch) {
        static SweepInputs of(int tokens, int items) {
            return new SweepInputs(new double[5], new int[1], new long[2], new int[tokens], new int[items * 4]);
        }
    }

    /**
     * The sweep's two passes for {@code tokens} tokens: nothing goes to the device but the parameters and
     * the observed tokens (and, for the second pass, log Z_h); only chunk states come back.
     */
    public record Sweep(Plan plan, SweepInputs in, double[]... out) implements Launch {
        /** First pass: out = {headM, headD, headD2, aggM, aggD, meanM, meanD, targetLogits}. */
        public static Sweep partial(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout, int local) {
            Graph g = new Graph("sweepGap", local);
            int items = tokens * chunks;
            SweepInputs in = SweepInputs.of(tokens, items);
            double[][] s = states(7, items, 3, heads); // (m, d, d2) per head, (m, d) aggregate and mean
            double[] lt = new double[tokens * heads];
            g.in(in.p(), in.ip(), in.lp(), in.targets()).once(in.scratch(), lt);
            g.tasks.task("partial", Tasks::sweepGapPartial, in.p(), in.ip(), in.lp(), in.targets(), in.scratch(), s[0],
                    s[1], s[2], s[3], s[4], s[5], s[6], lt, g.items("partial", items), items, heads, v, chunks, layout);
            g.out(s[0], s[1], s[2], s[3], s[4], s[5], s[6], lt);
            return new Sweep(g.build(dev), in, s[0], s[1], s[2], s[3], s[4], s[5], s[6], lt);
        }

        /**
         * First pass in the work-group form ({@link Tasks#sweepGapPartialGroup}): one work-group of
         * {@code group} work-items per item, rounds of {@code group} x {@link #ROUND} indices; out =
         * {headM, headD, headD2, aggMean (aggregate m, d, mean m, d per item), targetLogits}.
         */
        public static Sweep partialGroup(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout,
                                         int group) {
            Graph g = new Graph("sweepGapGroup", group);
            int items = tokens * chunks;
            int span = group * ROUND;
            SweepInputs in = new SweepInputs(new double[5], new int[1], new long[2], new int[tokens],
                    new int[items * group * 4]);
            double[][] s = states(3, items, 3, heads);
            double[] aggMean = new double[items * 4];
            double[] lt = new double[tokens * heads];
            double[] work = new double[items * group * org.gapscope.kernels.SweepGap.GROUP_SLOTS];
            double[] ySums = new double[items * span];
            g.in(in.p(), in.ip(), in.lp(), in.targets()).once(in.scratch(), work, ySums, lt);
            g.tasks.task("partial", Tasks::sweepGapPartialGroup, new KernelContext(), in.p(), in.ip(), in.lp(),
                    in.targets(), in.scratch(), work, ySums, s[0], s[1], s[2], aggMean, lt, heads, v, chunks, layout,
                    group, span);
            g.work("partial", items * group, group);
            g.out(s[0], s[1], s[2], aggMean, lt);
            return new Sweep(g.build(dev), in, s[0], s[1], s[2], aggMean, lt);
        }

        /** Second pass in the work-group form ({@link Tasks#sweepGapBrierGroup}); out as {@link #brier}. */
        public static Sweep brierGroup(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout,
                                       int group) {
            Graph g = new Graph("sweepGapBrierGroup", group);
            int items = tokens * chunks;
            SweepInputs in = new SweepInputs(new double[5], new int[1], new long[2], new int[tokens],
                    new int[items * group * 4]);
            double[] zh = new double[tokens * heads];
            double[] mixSq = new double[items];
            g.in(in.p(), in.ip(), in.lp(), in.targets(), zh).once(in.scratch());
            g.tasks.task("brier", Tasks::sweepGapBrierGroup, new KernelContext(), in.p(), in.ip(), in.lp(),
                    in.targets(), in.scratch(), zh, mixSq, heads, v, chunks, layout, group);
            g.work("brier", items * group, group);
            g.out(mixSq);
            return new Sweep(g.build(dev), in, zh, mixSq);
        }

        /** Indices per work-item per round of the work-group form. */
        static final int ROUND = 8;

        /** Second pass: out = {logZHeads (in), mixSq}. */
        public static Sweep brier(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout, int local) {
            Graph g = new Graph("sweepGapBrier", local);
            int items = tokens * chunks;
            SweepInputs in = SweepInputs.of(tokens, items);
            double[] zh = new double[tokens * heads];
            double[] mixSq = new double[items];
            g.in(in.p(), in.ip(), in.lp(), in.targets(), zh).once(in.scratch());
            g.tasks.task("brier", Tasks::sweepGapBrier, in.p(), in.ip(), in.lp(), in.targets(), in.scratch(), zh,
                    mixSq, g.items("brier", items), items, heads, v, chunks, layout);
            g.out(mixSq);
            return new Sweep(g.build(dev), in, zh, mixSq);
        }
    }
}
