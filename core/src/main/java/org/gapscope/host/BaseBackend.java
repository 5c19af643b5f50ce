package org.gapscope.host;

import org.gapscope.api.Attribution;
import org.gapscope.api.Backend;
import org.gapscope.api.Capabilities;
import org.gapscope.api.MixtureGaps;
import org.gapscope.api.Tensor;

/**
 * The base of every backend, the reference included: its description (name, device, capabilities,
 * priority: given once, overridden where they depend on the device), and the ops whose FP64 host code
 * all backends share because they are small and have no hot path (one token's mixture score gaps, the
 * attribution's pseudoinverse) or that only some backends make faster (the matrix product), implemented
 * here once.
 */
public abstract class BaseBackend implements Backend {
    private final String name;
    private final String device;
    private final Capabilities capabilities;
    private final int priority;

    protected BaseBackend(String name, String device, Capabilities capabilities, int priority) {
        this.name = name;
        this.device = device;
        this.capabilities = capabilities;
        this.priority = priority;
    }

    @Override
    public Tensor softmax(Tensor x, double temperature) {
        return rowwise(x, temperature, false, null);
    }

    @Override
    public Tensor logSoftmax(Tensor x, double temperature) {
        return rowwise(x, temperature, true, null);
    }

    @Override
    public Tensor softmax(Tensor x, double temperature, Tensor out) {
        return rowwise(x, temperature, false, out);
    }

    @Override
    public Tensor logSoftmax(Tensor x, double temperature, Tensor out) {
        return rowwise(x, temperature, true, out);
    }

    /**
     * softmax (log false) or log-softmax (log true) of x's rows divided by the temperature, written into
     * out (x's shape, F32 or F64; checked with {@link org.gapscope.api.Checks#output}) and returned, or into
     * a new F64 tensor when out is null: the one implementation behind the four softmax ops.
     */
    protected abstract Tensor rowwise(Tensor x, double temperature, boolean log, Tensor out);

    @Override
    public String name() {
        return name;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public int priority() {
        return priority;
    }

    /** One token's score gaps: O(H V) FP64 host arithmetic ({@link Mixture}). */
    @Override
    public MixtureGaps mixtureGaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c) {
        return Mixture.gaps(logits, beta, target, score, c);
    }

    /** FP64 loops on the host, one thread ({@link Matmul}), for backends without a faster product. */
    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB, Tensor out) {
        return Matmul.fp64(a, b, transposeB, out);
    }

    /** alpha = P^+ Pi: small dense linear algebra on the host ({@link AttributionSolver}). */
    @Override
    public Attribution attribution(double[][] headProbs, double[] aggregate) {
        return AttributionSolver.solve(headProbs, aggregate);
    }
}
