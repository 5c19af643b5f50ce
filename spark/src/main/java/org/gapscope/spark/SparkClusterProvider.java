package org.gapscope.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.gapscope.api.InputException;
import org.gapscope.measure.Cluster;

/**
 * Registered for {@link Cluster#open}: checks the master URL's form and, for a standalone master, that its
 * port answers, before Spark starts (Spark itself would retry an absent master for a minute and then
 * stop with a stack trace).
 */
public final class SparkClusterProvider implements Cluster.Provider {

    /** The master URL forms Spark accepts (local, local[N], local[N,F], local[*], spark://, yarn, k8s://). */
    static final Pattern LOCAL = Pattern.compile("local(\\[(\\d+|\\*)(,\\d+)?\\])?");
    static final Pattern STANDALONE = Pattern.compile("spark://[^:/,\\s]+:\\d{1,5}(,[^:/,\\s]+:\\d{1,5})*");
    static final Pattern OTHER = Pattern.compile("yarn|k8s://\\S+|local-cluster\\[\\d+,\\d+,\\d+\\]");

    @Override
    public Cluster open(String master, String appName) {
        checkForm(master);
        if (master.startsWith("spark://")) {
            checkReachable(master);
        }
        return SparkCluster.start(master, appName);
    }

    static void checkForm(String master) {
        if (!(LOCAL.matcher(master).matches() || STANDALONE.matcher(master).matches() || OTHER.matcher(master).matches())) {
            throw new InputException("--spark '" + master + "': not a Spark master URL (local[N], spark://HOST:PORT, "
                    + "yarn or k8s://https://HOST:PORT)");
        }
    }

    /** At least one of a standalone master's host:port pairs must accept a connection within 5 s. */
    static void checkReachable(String master) {
        List<String> problems = new ArrayList<>();
        for (String hp : master.substring("spark://".length()).split(",")) {
            int colon = hp.lastIndexOf(':');
            String host = hp.substring(0, colon);
            int port = Integer.parseInt(hp.substring(colon + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5000);
                return;
            } catch (IOException e) {
                problems.add(hp + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new InputException("--spark " + master + ": the Spark master cannot be reached: " + String.join(", ", problems)
                + " (is it running? scripts/spark-cluster start starts one on 127.0.0.1)");
    }
}
