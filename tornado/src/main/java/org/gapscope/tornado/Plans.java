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

    /** A built execution plan and its scheduler. */
    public static class Plan implements AutoCloseable {
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
        public void close() {
            try {
                plan.freeDeviceMemory();
                plan.close();
            } catch (Exception e) {
                // a plan that cannot be freed is dropped all the same
            }
        }
    }

    static String name(String op) {
        return op + IDS.incrementAndGet();
    }

    static int localSize(long items, int local) {
        return (int) Math.max(1, Math.min(local, items));
    }

    /** The global size: items rounded up to a multiple of the work-group size. */
    static int global(long items, int local) {
        int l = localSize(items, local);
        return Math.toIntExact((items + l - 1) / l * l);
    }

    /** Adds task {@code graphName.task} with {@code items} work-items in groups of {@code local}. */
    static void grid(GridScheduler g, String graphName, String task, long items, int local) {
        WorkerGrid1D w = new WorkerGrid1D(global(items, local));
        w.setLocalWork(localSize(items, local), 1, 1);
        g.addWorkerGrid(graphName + "." + task, w);
    }

    // ---- logSumExp ------------------------------------------------------------------------------

    /** LSE of {@code rows} rows of length v: partial states per chunk, merged on the device. */
    public static final class Lse extends Plan {
        public final float[] xf;
        public final double[] xd;
        /** p[0] = 1/T. */
        public final double[] p;
        public final double[] out;

        private Lse(TaskGraph g, GridScheduler s, TornadoDevice dev, float[] xf, double[] xd, double[] p,
                    double[] out) {
            super(g, s, dev);
            this.xf = xf;
            this.xd = xd;
            this.p = p;
            this.out = out;
        }

        /**
         * group &gt; 0 (F32 only): the KernelContext form, one work-group of that many work-items per chunk
         * ({@link Tasks#lsePartialGroupF32}); else the @Parallel form, one work-item per chunk.
         */
        public static Lse build(TornadoDevice dev, boolean f32, int rows, int v, int chunks, int layout, int local,
                                int group) {
            String n = name("lse");
            int items = rows * chunks;
            float[] xf = f32 ? new float[rows * v] : new float[1];
            double[] xd = f32 ? new double[1] : new double[rows * v];
            double[] p = new double[1];
            double[] m = new double[items];
            double[] d = new double[items];
            double[] out = new double[rows];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, f32 ? xf : xd, p)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, m, d);
            GridScheduler s = new GridScheduler();
            if (f32 && group > 0) {
                g.task("partial", Tasks::lsePartialGroupF32, new KernelContext(), xf, p, m, d, v, chunks, group);
                WorkerGrid1D w = new WorkerGrid1D(items * group);
                w.setLocalWork(group, 1, 1);
                s.addWorkerGrid(n + ".partial", w);
            } else if (f32) {
                g.task("partial", Tasks::lsePartialF32, xf, p, m, d, global(items, local), items, v, chunks, layout);
                grid(s, n, "partial", items, local);
            } else {
                g.task("partial", Tasks::lsePartialF64, xd, p, m, d, global(items, local), items, v, chunks, layout);
                grid(s, n, "partial", items, local);
            }
            g.task("merge", Tasks::lseMerge, m, d, out, global(rows, local), rows, chunks)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            grid(s, n, "merge", rows, local);
            return new Lse(g, s, dev, xf, xd, p, out);
        }
    }

    /**
     * LSE for devices without FP64: FP32 compensated partial states and merge on the device, strict
     * floating point; the host forms M + log D in FP64 from outM, outD.
     */
    public static final class LseF32 extends Plan {
        public final float[] x;
        public final float[] p;
        public final float[] outM;
        public final float[] outD;

        private LseF32(TaskGraph g, GridScheduler s, TornadoDevice dev, float[] x, float[] p, float[] outM,
                       float[] outD) {
            super(g, s, dev);
            this.x = x;
            this.p = p;
            this.outM = outM;
            this.outD = outD;
        }

        public static LseF32 build(TornadoDevice dev, int rows, int v, int chunks, int layout, int local) {
            String n = name("lse32c");
            int items = rows * chunks;
            float[] x = new float[rows * v];
            float[] p = new float[1];
            float[] m = new float[items];
            float[] d = new float[items];
            float[] outM = new float[rows];
            float[] outD = new float[rows];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, x, p)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, m, d)
                    .task("partial", Tasks::lsePartialF32c, x, p, m, d, global(items, local), items, v, chunks, layout)
                    .task("merge", Tasks::lseMergeF32c, m, d, outM, outD, global(rows, local), rows, chunks)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, outM, outD);
            GridScheduler s = new GridScheduler();
            grid(s, n, "partial", items, local);
            grid(s, n, "merge", rows, local);
            LseF32 plan = new LseF32(g, s, dev, x, p, outM, outD);
            plan.strict();
            return plan;
        }
    }

    /** softmax (log = 0) or log-softmax (log = 1) of rows given their LSE. */
    public static final class Softmax extends Plan {
        public final float[] xf;
        public final double[] xd;
        public final double[] p;
        public final double[] lse;
        public final double[] out;

        private Softmax(TaskGraph g, GridScheduler s, TornadoDevice dev, float[] xf, double[] xd, double[] p,
                        double[] lse, double[] out) {
            super(g, s, dev);
            this.xf = xf;
            this.xd = xd;
            this.p = p;
            this.lse = lse;
            this.out = out;
        }

        public static Softmax build(TornadoDevice dev, boolean f32, int rows, int v, int chunks, int layout, int log,
                                    int local) {
            String n = name("softmax");
            int items = rows * chunks;
            float[] xf = f32 ? new float[rows * v] : new float[1];
            double[] xd = f32 ? new double[1] : new double[rows * v];
            double[] p = new double[1];
            double[] lse = new double[rows];
            double[] out = new double[rows * v];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, f32 ? xf : xd, p, lse);
            if (f32) {
                g.task("write", Tasks::softmaxWriteF32, xf, p, lse, out, global(items, local), items, v, chunks, layout, log);
            } else {
                g.task("write", Tasks::softmaxWriteF64, xd, p, lse, out, global(items, local), items, v, chunks, layout, log);
            }
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            GridScheduler s = new GridScheduler();
            grid(s, n, "write", items, local);
            return new Softmax(g, s, dev, xf, xd, p, lse, out);
        }
    }

    // ---- jensenGap ------------------------------------------------------------------------------

    /** The fused Jensen-gap pass over {@code tokens} tokens [H, V] and its merge, on the device. */
    public static final class Gap extends Plan {
        public final float[] lf;
        public final double[] ld;
        public final float[] ef;
        public final double[] ed;
        public final double[] logZHeads;
        public final double[] logZ;
        public final double[] logZMean;

        private Gap(TaskGraph g, GridScheduler s, TornadoDevice dev, float[] lf, double[] ld, float[] ef, double[] ed,
                    double[] zh, double[] z, double[] zm) {
            super(g, s, dev);
            this.lf = lf;
            this.ld = ld;
            this.ef = ef;
            this.ed = ed;
            this.logZHeads = zh;
            this.logZ = z;
            this.logZMean = zm;
        }

        /** extraLen: 0 (none), v (one row for all tokens) or tokens * v. */
        public static Gap build(TornadoDevice dev, boolean f32, int tokens, int heads, int v, int extraMode,
                                int extraLen, int chunks, int layout, int local) {
            String n = name("gap");
            int items = tokens * chunks;
            int e = Math.max(1, extraLen);
            float[] lf = f32 ? new float[tokens * heads * v] : new float[1];
            double[] ld = f32 ? new double[1] : new double[tokens * heads * v];
            float[] ef = f32 ? new float[e] : new float[1];
            double[] ed = f32 ? new double[1] : new double[e];
            double[] hm = new double[items * heads];
            double[] hd = new double[items * heads];
            double[] am = new double[items];
            double[] ad = new double[items];
            double[] mm = new double[items];
            double[] md = new double[items];
            double[] zh = new double[tokens * heads];
            double[] z = new double[tokens];
            double[] zm = new double[tokens];
            TaskGraph g = new TaskGraph(n)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, f32 ? lf : ld, f32 ? ef : ed)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, hm, hd, am, ad, mm, md);
            if (f32) {
                g.task("partial", Tasks::gapPartialF32, lf, ef, hm, hd, am, ad, mm, md, global(items, local), items, extraMode, heads, v,
                        chunks, layout);
            } else {
                g.task("partial", Tasks::gapPartialF64, ld, ed, hm, hd, am, ad, mm, md, global(items, local), items, extraMode, heads, v,
                        chunks, layout);
            }
            g.task("merge", Tasks::gapMerge, hm, hd, am, ad, mm, md, zh, z, zm, global(tokens, local), tokens, heads, chunks)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, zh, z, zm);
            GridScheduler s = new GridScheduler();
            grid(s, n, "partial", items, local);
            grid(s, n, "merge", tokens, local);
            return new Gap(g, s, dev, lf, ld, ef, ed, zh, z, zm);
        }
    }

    // ---- attention ------------------------------------------------------------------------------

    /** Flash-style attention of {@code heads} heads, one work-item per (head, query). */
    public static final class Attn extends Plan {
        public final double[] q;
        public final double[] k;
        public final double[] v;
        public final double[] p;
        public final double[] out;
        public final double[] lse;

        private Attn(TaskGraph g, GridScheduler s, TornadoDevice dev, double[] q, double[] k, double[] v, double[] p,
                     double[] out, double[] lse) {
            super(g, s, dev);
            this.q = q;
            this.k = k;
            this.v = v;
            this.p = p;
            this.out = out;
            this.lse = lse;
        }

        public static Attn build(TornadoDevice dev, int heads, int tq, int tk, int d, int dv, int mask, int local) {
            String n = name("attention");
            int items = heads * tq;
            double[] q = new double[heads * tq * d];
            double[] k = new double[heads * tk * d];
            double[] v = new double[heads * tk * dv];
            double[] p = new double[1];
            double[] out = new double[heads * tq * dv];
            double[] lse = new double[heads * tq];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, q, k, v, p)
                    .task("attention", Tasks::attention, q, k, v, p, out, lse, global(items, local), items, tq, tk, d, dv, mask)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out, lse);
            GridScheduler s = new GridScheduler();
            grid(s, n, "attention", items, local);
            return new Attn(g, s, dev, q, k, v, p, out, lse);
        }
    }

    // ---- crowding -------------------------------------------------------------------------------

    /** Partial (m, d) states of the crowding draws: nothing is transferred in but the parameters. */
    public static final class Crowd extends Plan {
        /** {a, b, c, scale}. */
        public final double[] p;
        /** {firstRep, law}. */
        public final int[] ip;
        public final long[] seed;
        public final double[] m;
        public final double[] d;

        private Crowd(TaskGraph g, GridScheduler s, TornadoDevice dev, double[] p, int[] ip, long[] seed, double[] m,
                      double[] d) {
            super(g, s, dev);
            this.p = p;
            this.ip = ip;
            this.seed = seed;
            this.m = m;
            this.d = d;
        }

        public static Crowd build(TornadoDevice dev, int reps, long n, int chunks, int layout, int local) {
            String name = name("crowding");
            int items = reps * chunks;
            double[] p = new double[4];
            int[] ip = new int[2];
            long[] seed = new long[1];
            int[] scratch = new int[items * 4];
            double[] m = new double[items];
            double[] d = new double[items];
            TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, p, ip, seed)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch)
                    .task("partial", Tasks::crowdingPartial, p, ip, seed, scratch, m, d, global(items, local), items, n, chunks, layout)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, m, d);
            GridScheduler s = new GridScheduler();
            grid(s, name, "partial", items, local);
            return new Crowd(g, s, dev, p, ip, seed, m, d);
        }
    }

    // ---- positional -----------------------------------------------------------------------------

    /** f(Delta) for a fixed set of frequencies, transferred on the first execution only. */
    public static final class Pos extends Plan {
        public final double[] omegas;
        public final double[] deltas;
        public final double[] f;

        private Pos(TaskGraph g, GridScheduler s, TornadoDevice dev, double[] omegas, double[] deltas, double[] f) {
            super(g, s, dev);
            this.omegas = omegas;
            this.deltas = deltas;
            this.f = f;
        }

        /** The plan keeps {@code omegas} (a copy the caller must not change): they go to the device once. */
        public static Pos build(TornadoDevice dev, double[] omegas, int count, int local) {
            String n = name("positional");
            double[] deltas = new double[count];
            double[] f = new double[count];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.FIRST_EXECUTION, omegas)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, deltas)
                    .task("positional", Tasks::positional, omegas, deltas, f, global(count, local), count, omegas.length)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, f);
            GridScheduler s = new GridScheduler();
            grid(s, n, "positional", count, local);
            return new Pos(g, s, dev, omegas, deltas, f);
        }
    }

    // ---- sweepGap -------------------------------------------------------------------------------

    /**
     * The sweep's two passes for {@code tokens} tokens: nothing goes to the device but the parameters and
     * the observed tokens (and, for the second pass, log Z_h); only chunk states come back.
     */
    public static final class Sweep extends Plan {
        /** {sigma, margin, cs, ce, T}. */
        public final double[] p;
        /** {law}. */
        public final int[] ip;
        /** {seed, firstToken}. */
        public final long[] lp;
        public final int[] targets;
        public final double[][] out;

        private Sweep(TaskGraph g, GridScheduler s, TornadoDevice dev, double[] p, int[] ip, long[] lp, int[] targets,
                      double[]... out) {
            super(g, s, dev);
            this.p = p;
            this.ip = ip;
            this.lp = lp;
            this.targets = targets;
            this.out = out;
        }

        /** First pass: out = {headM, headD, headD2, aggM, aggD, meanM, meanD, targetLogits}. */
        public static Sweep partial(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout, int local) {
            String n = name("sweepGap");
            int items = tokens * chunks;
            double[] p = new double[5];
            int[] ip = new int[1];
            long[] lp = new long[2];
            int[] targets = new int[tokens];
            int[] scratch = new int[items * 4];
            double[] hm = new double[items * heads];
            double[] hd = new double[items * heads];
            double[] hd2 = new double[items * heads];
            double[] am = new double[items];
            double[] ad = new double[items];
            double[] mm = new double[items];
            double[] md = new double[items];
            double[] lt = new double[tokens * heads];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, p, ip, lp, targets)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch, lt)
                    .task("partial", Tasks::sweepGapPartial, p, ip, lp, targets, scratch, hm, hd, hd2, am, ad, mm, md, lt,
                            global(items, local), items, heads, v, chunks, layout)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, hm, hd, hd2, am, ad, mm, md, lt);
            GridScheduler s = new GridScheduler();
            grid(s, n, "partial", items, local);
            return new Sweep(g, s, dev, p, ip, lp, targets, hm, hd, hd2, am, ad, mm, md, lt);
        }

        /** Second pass: out = {logZHeads (in), mixSq}. */
        public static Sweep brier(TornadoDevice dev, int tokens, int heads, int v, int chunks, int layout, int local) {
            String n = name("sweepGapBrier");
            int items = tokens * chunks;
            double[] p = new double[5];
            int[] ip = new int[1];
            long[] lp = new long[2];
            int[] targets = new int[tokens];
            int[] scratch = new int[items * 4];
            double[] zh = new double[tokens * heads];
            double[] mixSq = new double[items];
            TaskGraph g = new TaskGraph(n).transferToDevice(DataTransferMode.EVERY_EXECUTION, p, ip, lp, targets, zh)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch)
                    .task("brier", Tasks::sweepGapBrier, p, ip, lp, targets, scratch, zh, mixSq, global(items, local),
                            items, heads, v, chunks, layout)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, mixSq);
            GridScheduler s = new GridScheduler();
            grid(s, n, "brier", items, local);
            return new Sweep(g, s, dev, p, ip, lp, targets, zh, mixSq);
        }
    }
}
