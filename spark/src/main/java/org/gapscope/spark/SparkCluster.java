package org.gapscope.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.gapscope.api.InputException;
import org.gapscope.measure.Cluster;
import org.gapscope.measure.SplitSweep;
import org.gapscope.measure.Sweep;
import org.gapscope.measure.StopSignal;

/**
 * The grid on Spark: one Spark job of one task per point, several jobs in flight (twice the cluster's
 * cores, so an executor that finishes a point finds the next one waiting), each finished point handed to
 * the sink as its job ends. A job per point keeps points apart: Spark retries a task whose executor was
 * lost ({@code spark.task.maxFailures}, 4 on a cluster), and a point whose task fails every attempt aborts
 * only its own job.
 */
final class SparkCluster implements Cluster {
    private final JavaSparkContext sc;
    private final String master;
    private final Semaphore jobEnded = new Semaphore(0);

    private SparkCluster(JavaSparkContext sc, String master) {
        this.sc = sc;
        this.master = master;
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onJobEnd(SparkListenerJobEnd jobEnd) {
                jobEnded.release();
            }
        });
    }

    static SparkCluster start(String master, String appName) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName);
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        if (master.startsWith("local") || master.startsWith("spark://127.0.0.1:") || master.startsWith("spark://localhost:")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (!master.startsWith("local") && !conf.contains("spark.jars")) {
            // Not started by spark-submit (which lists the jars itself): ship the jars this JVM runs gapscope from.
            conf.set("spark.jars", jarOf(Cluster.class) + "," + jarOf(SparkCluster.class));
        }
        try {
            return new SparkCluster(new JavaSparkContext(conf), master);
        } catch (RuntimeException | LinkageError e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Could not parse Master URL")) {
                throw new InputException("--spark " + master + ": this Spark has no cluster manager for it (spark-core "
                        + "alone knows local and spark://; use the cluster's spark-submit, whose Spark has spark-yarn or "
                        + "spark-kubernetes)");
            }
            throw new InputException("--spark " + master + ": Spark could not start: " + firstLine(msg));
        }
    }

    /** The jar a class was loaded from; a class directory (a build's target/classes) is packed into a temporary jar. */
    static String jarOf(Class<?> c) {
        try {
            Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(p)) {
                return p.toString();
            }
            Path jar = Files.createTempFile("gapscope-classes-", ".jar");
            jar.toFile().deleteOnExit();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(p)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            return jar.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return "spark " + master + " (Spark " + sc.version() + ", application " + sc.sc().applicationId() + ")";
    }

    @Override
    public <P extends Sweep.Point> boolean run(Sweep<P> sweep, List<P> points, String backend, Sink<P> sink,
                                               StopSignal stop) {
        Deque<P> pending = new ArrayDeque<>(points);
        PointFunction<P> function = new PointFunction<>(sweep, backend);
        Map<JavaFutureAction<List<PointFunction.Outcome>>, P> running = new LinkedHashMap<>();
        int slots = sc.defaultParallelism();
        int window = Math.max(4, 2 * slots);
        while (!pending.isEmpty() || !running.isEmpty()) {
            if (stop.requested() || sc.sc().isStopped()) {
                sc.cancelAllJobs();
                return true;
            }
            while (running.size() < window && !pending.isEmpty()) {
                P point = pending.poll();
                int ranges = sweep instanceof SplitSweep<P> split ? split.ranges(point, slots) : 1;
                List<PointFunction.Work<P>> work = new ArrayList<>();
                if (ranges <= 1) {
                    work.add(new PointFunction.Work<>(point, 0, 0));
                } else {
                    for (int i = 0; i < ranges; i++) {
                        work.add(new PointFunction.Work<>(point, i, ranges));
                    }
                }
                sc.setJobDescription(sweep.command() + " " + point.key() + (ranges > 1 ? " in " + ranges + " ranges" : ""));
                // collect keeps the partitions' order: a split point's ranges come back in range order
                running.put(sc.parallelize(work, work.size()).map(function).collectAsync(), point);
            }
            boolean any = false;
            for (var it = running.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getKey().isDone()) {
                    continue;
                }
                it.remove();
                any = true;
                try {
                    land(sweep, e.getValue(), e.getKey().get(), Cluster.AUTO.equals(backend), sink);
                } catch (ExecutionException ex) {
                    if (stop.requested() || sc.sc().isStopped()) {
                        return true;
                    }
                    sink.failed(e.getValue(), failure(ex), false);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    sc.cancelAllJobs();
                    return true;
                }
            }
            if (!any) {
                try {
                    jobEnded.tryAcquire(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    sc.cancelAllJobs();
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Hands a finished point to the sink: its results, its ranges merged in range order, or its input problem;
     * with {@code named}, the results name the backend(s) that computed them ({@link Cluster#BACKEND_COLUMN}).
     */
    @SuppressWarnings("unchecked")
    private static <P extends Sweep.Point> void land(Sweep<P> sweep, P point, List<PointFunction.Outcome> outcomes,
                                                     boolean named, Sink<P> sink) {
        for (PointFunction.Outcome o : outcomes) {
            if (o.inputProblem() != null) {
                sink.failed(point, o.inputProblem(), true);
                return;
            }
        }
        Map<String, Object> results;
        if (outcomes.size() == 1 && outcomes.get(0).value() instanceof Map<?, ?> whole) {
            results = (Map<String, Object>) whole;
        } else {
            List<java.io.Serializable> partials = new ArrayList<>();
            for (PointFunction.Outcome o : outcomes) {
                partials.add(o.value());
            }
            results = new LinkedHashMap<>(((SplitSweep<P>) sweep).merge(point, partials));
        }
        if (named) {
            results.put(Cluster.BACKEND_COLUMN, backends(outcomes));
        }
        sink.done(point, results);
    }

    /** The backends of a point's outcomes in range order, each named once: "cpu", or "tornado+cpu". */
    static String backends(List<PointFunction.Outcome> outcomes) {
        return String.join("+", outcomes.stream().map(PointFunction.Outcome::backend).distinct().toList());
    }

    /** One line from a failed job: the task's own exception where Spark names it. */
    static String failure(ExecutionException ex) {
        Throwable t = ex.getCause() == null ? ex : ex.getCause();
        String msg = firstLine(String.valueOf(t.getMessage()));
        int i = msg.indexOf("most recent failure: ");
        return i >= 0 ? msg.substring(i + "most recent failure: ".length()) : msg;
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).trim();
    }

    @Override
    public void close() {
        sc.stop();
    }

}
