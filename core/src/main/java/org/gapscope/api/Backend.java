package org.gapscope.api;

import java.util.List;

/**
 * One way of computing gapscope's ops. Implementations: {@code reference} (FP64 loops, the oracle),
 * {@code cpu} (kernel bodies over all cores with the Vector API) and {@code tornado} (the same bodies
 * compiled by TornadoVM for OpenCL/PTX devices). They are found with {@link java.util.ServiceLoader}
 * (see {@link Backends}); every op has the same name in each, in the kernels, the tests and the
 * benchmarks.
 *
 * <p>Shapes: a leading "rows" dimension may be any number of dimensions (flattened); the op's own
 * dimensions are the trailing ones. Inputs may be F32 or F64; results are F64 arrays unless stated.
 * A backend never writes files and never falls back silently to another backend: a device failure
 * is thrown.
 */
public interface Backend {

    /** Short name used on the command line: reference, cpu, tornado. */
    String name();

    /** The device the backend runs on, in words (CPU model and cores, or the OpenCL/PTX device). */
    String device();

    Capabilities capabilities();

    /** Higher runs first under {@code --backend auto}. */
    int priority();

    /** Whether the backend can run here (e.g. tornado needs an installed TornadoVM). */
    default boolean available() {
        return true;
    }

    /** Why {@link #available()} is false, as advice for the user. */
    default String unavailableReason() {
        return "";
    }

    /**
     * This backend with {@code options} applied (e.g. another device); backends without choices return
     * themselves. {@link Backends} applies the caller's options before it asks {@link #available()}.
     */
    default Backend configured(BackendOptions options) {
        return this;
    }

    /**
     * The devices this backend can choose from ({@code --device}), the one in use marked; empty for
     * backends that run on the host only.
     */
    default java.util.List<DeviceInfo> devices() {
        return java.util.List.of();
    }

    // ---- docs/MATH.md section 1 ------------------------------------------------------------

    /** Per row of x (shape [..., V]): LSE(x / T) = log sum_i exp(x_i / T). */
    double[] logSumExp(Tensor x, double temperature);

    /** Row-wise softmax(x / T), same shape as x, F64 for reference; rows of all -inf become NaN. */
    Tensor softmax(Tensor x, double temperature);

    /** Row-wise log-softmax(x / T) = x / T - LSE(x / T). */
    Tensor logSoftmax(Tensor x, double temperature);

    /**
     * {@link #softmax(Tensor, double)} written into {@code out} (same shape as x, F32 or F64) and returned:
     * a caller that reuses {@code out} pays for no new result per call. null: a new F64 tensor.
     */
    Tensor softmax(Tensor x, double temperature, Tensor out);

    /** {@link #logSoftmax(Tensor, double)} written into {@code out}, as {@link #softmax(Tensor, double, Tensor)}. */
    Tensor logSoftmax(Tensor x, double temperature, Tensor out);

    // ---- docs/MATH.md section 2 ------------------------------------------------------------

    /**
     * Scaled dot-product attention per head: q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv], leading
     * dimensions equal. scores = q k^T * scale, masked by {@code mask}; returns softmax(scores) v and the
     * per-query LSE of the scores.
     */
    AttentionResult attention(Tensor q, Tensor k, Tensor v, double scale, MaskAlignment mask);

    // ---- matrix product (the linear layers and unembedding of a transformer) -----------------

    /**
     * The element type {@link #matmul} computes in and returns: F64 (FP64 loops) unless a backend says
     * otherwise (cpu: F32). A caller that reuses an operand across many products converts it once.
     */
    default DType matmulType() {
        return DType.F64;
    }

    /**
     * C = A B^T ({@code transposeB}: B is [N, K], the layout of a linear layer's weight and of an
     * unembedding) or C = A B (B is [K, N]); A is [M, K]; F32 or F64 operands. Each entry is one sum over
     * k in k order (no split of K), so it does not depend on blocking or threads. Writes into {@code out}
     * ([M, N], any dtype) or, when null, a new tensor of {@link #matmulType()}. Backends without a
     * faster product inherit FP64 loops on the host (org.gapscope.host.BaseBackend).
     */
    Tensor matmul(Tensor a, Tensor b, boolean transposeB, Tensor out);

    // ---- docs/MATH.md section 3 ------------------------------------------------------------

    /**
     * Jensen gap of logit summation. logits: [H, V] (one token) or [B, H, V]; extra: null, [V] or [B, V]
     * logits added to the aggregate (e.g. the feed-forward logits); targets: null or one y* per token.
     */
    GapResult jensenGap(Tensor logits, Tensor extra, int[] targets);

    // ---- docs/MATH.md section 4 ------------------------------------------------------------

    /**
     * Score gaps of the mixture Pi = sum_h beta_h softmax(l^(h)) for one token: logits [H, V], beta
     * (length H, positive, summing to 1), observed y*. c = NaN picks c = max_{h,y} S(pi^(h), y).
     */
    MixtureGaps mixtureGaps(Tensor logits, double[] beta, int target, MixtureGaps.Score score, double c);

    /**
     * The same token's score gaps for several scores, each with c = NaN (its maximum): element i equals
     * {@code mixtureGaps(logits, beta, target, scores.get(i), Double.NaN)} bit for bit. The kernel backends
     * compute the heads' log Z_h and the pass of sums once for all of them (they do not depend on the
     * score); this default makes one call per score.
     */
    default List<MixtureGaps> mixtureGaps(Tensor logits, double[] beta, int target, List<MixtureGaps.Score> scores) {
        return scores.stream().map(s -> mixtureGaps(logits, beta, target, s, Double.NaN)).toList();
    }

    // ---- docs/MATH.md sections 3 and 4, fused over generated logits ------------------------------

    /**
     * A sweep point without materialized logits: the logits of {@code spec} (drawn as
     * {@link SweepLogits} documents) are generated inside the reduction and never stored; per token the
     * Jensen gap (as {@link #jensenGap} with targets y*) and the log and Brier gaps of the equal-weight
     * mixture (as {@link #mixtureGaps} with beta_h = 1/H). Memory O(H x chunks), not O(B H V).
     */
    SweepResult sweepGap(SweepSpec spec);

    // ---- docs/MATH.md section 5 ------------------------------------------------------------

    /**
     * alpha = P^+ Pi for P = [pi^(1) ... pi^(H)] (V x H, given as H rows of length V in {@code headProbs})
     * and the aggregate {@code aggregate} (length V). Small dense linear algebra on the host (EJML).
     */
    Attribution attribution(double[][] headProbs, double[] aggregate);

    // ---- docs/MATH.md section 7 ------------------------------------------------------------

    /** Monte Carlo of P_N, streamed: distractors are drawn and reduced in chunks, never stored. */
    CrowdingResult crowding(CrowdingSpec spec);

    /**
     * Part {@code index} of {@code ranges} of {@link #crowding}, for spreading one repetition's distractors
     * over machines: {@link CrowdingStates#merge} of the parts in index order is {@code crowding(spec)}, bit
     * for bit. A backend that reduces in chunks returns a contiguous share of its chunks' (m, d) states (as
     * even as the chunks allow); by default part 0 holds the whole result and the others nothing.
     */
    default CrowdingStates crowdingStates(CrowdingSpec spec, int index, int ranges) {
        return CrowdingStates.whole(this, spec, index);
    }

    // ---- docs/MATH.md section 8 ------------------------------------------------------------

    /** f(Delta) = (1/m) sum_k cos(omega_k Delta) for each Delta. */
    double[] positional(double[] omegas, double[] deltas);
}
