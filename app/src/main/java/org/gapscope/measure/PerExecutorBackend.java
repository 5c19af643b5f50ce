package org.gapscope.measure;

import java.util.List;
import org.gapscope.api.AttentionResult;
import org.gapscope.api.Attribution;
import org.gapscope.api.Backend;
import org.gapscope.api.Capabilities;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.GapResult;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.SweepResult;
import org.gapscope.api.SweepSpec;
import org.gapscope.api.Tensor;

/**
 * {@code --backend auto} on a {@link Cluster}: the name {@code auto} for the run directory (its identity and
 * manifest) and for the executors, each of which resolves it for itself ({@link Cluster#backend}). The
 * driver's own choice ({@code driver}) answers the capability checks made before the run and any op called
 * on this JVM.
 */
final class PerExecutorBackend implements Backend {
    private final Backend driver;

    PerExecutorBackend(Backend driver) {
        this.driver = driver;
    }

    @Override
    public String name() {
        return Cluster.AUTO;
    }

    @Override
    public String device() {
        return "per executor: tornado where the executor has a GPU, else cpu (this driver: " + driver.name() + ", "
                + driver.device() + ")";
    }

    @Override
    public Capabilities capabilities() {
        return driver.capabilities();
    }

    @Override
    public int priority() {
        return driver.priority();
    }

    @Override
    public double[] logSumExp(Tensor x, double temperature) {
        return driver.logSumExp(x, temperature);
    }

    @Override
    public Tensor softmax(Tensor x, double temperature) {
        return driver.softmax(x, temperature);
    }

    @Override
    public Tensor logSoftmax(Tensor x, double temperature) {
        return driver.logSoftmax(x, temperature);
    }

    @Override
    public Tensor softmax(Tensor x, double temperature, Tensor out) {
        return driver.softmax(x, temperature, out);
    }

    @Override
    public Tensor logSoftmax(Tensor x, double temperature, Tensor out) {
        return driver.logSoftmax(x, temperature, out);
    }

    @Override
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask) {
        return driver.attention(q, k, v, scale, mask);
    }

    @Override
    public org.gapscope.api.DType matmulType() {
        return driver.matmulType();
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB, Tensor out) {
        return driver.matmul(a, b, transposeB, out);
    }

    @Override
    public GapResult jensenGap(Tensor logits, Tensor extra, int[] targets) {
        return driver.jensenGap(logits, extra, targets);
    }

    @Override
    public MixtureGaps mixtureGaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c) {
        return driver.mixtureGaps(logits, beta, target, score, c);
    }

    @Override
    public List<MixtureGaps> mixtureGaps(Tensor logits, double[] beta, int target, List<MixtureGaps.Score> scores) {
        return driver.mixtureGaps(logits, beta, target, scores);
    }

    @Override
    public SweepResult sweepGap(SweepSpec spec) {
        return driver.sweepGap(spec);
    }

    @Override
    public Attribution attribution(double[][] headProbs, double[] aggregate) {
        return driver.attribution(headProbs, aggregate);
    }

    @Override
    public CrowdingResult crowding(CrowdingSpec spec) {
        return driver.crowding(spec);
    }

    @Override
    public double[] positional(double[] omegas, double[] deltas) {
        return driver.positional(omegas, deltas);
    }
}
