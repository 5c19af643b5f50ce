package org.gapscope.api;

/**
 * Every error bound gapscope states against the FP64 reference, each stated here once and derived
 * from the arithmetic that produces it; the equivalence tests use these as their tolerances, the
 * backends' javadoc and the README cite them. The inputs of a derivation are named constants (a
 * rounding unit, an exp accuracy, a chunk length, a lane count), so that a change to the arithmetic
 * changes the bound through them, never by editing a number.
 *
 * <p>Notation: u32 = 2^-24 and u64 = 2^-53 are the unit roundoffs (the largest relative error of one
 * rounding); |x/T| is the largest magnitude of the row's scaled entries.
 */
public final class ErrorBounds {
    private ErrorBounds() {}

    /** Unit roundoff of FP32. */
    public static final double U32 = 0x1p-24;
    /** Unit roundoff of FP64. */
    public static final double U64 = 0x1p-53;

    /** Relative error of the FP32 exp of the cpu passes (VectorMath): 2 u32 (one ulp). */
    public static final double EXP_F32_HOST = 2 * U32;

    /** Relative error of a device's FP32 exp: the OpenCL limit for single precision, 3 ulp = 6 u32. */
    public static final double EXP_F32_DEVICE = 6 * U32;

    /** ln V for the largest V a row may have (2^31): the shift term below is stated for every V. */
    static final double LN_V_MAX = 31 * Math.log(2);

    /**
     * x * (1/T) with 1/T rounded to FP32 and the product rounded to FP32: each scaled entry is off by
     * 2 u32 relative, which moves the LSE by at most 2 u32 |x/T| (1.2e-7 |x/T|).
     */
    public static final double LSE_F32_SCALE = 2 * U32;

    /**
     * LSE of FP32 data whose exp terms are summed in FP32 lanes (the cpu backend): absolute error at
     * most {@code lseF32Sum(termsPerLane) + LSE_F32_SCALE |x/T|}. The sum part: the exp's own error
     * ({@link #EXP_F32_HOST}); rounding x/T - m to FP32 costs u32 |x/T - m| relative per term, which,
     * weighted by the softmax, is u32 (m - E[x/T]) &le; u32 (LSE - E[x/T]) = u32 entropy &le; u32 ln V;
     * each lane adds up at most termsPerLane terms of size &le; 1 in FP32 (termsPerLane u32 relative,
     * worst case); lanes and chunks are folded in FP64 (u64 terms, negligible). With chunks of 4096 and
     * 16 FP32 lanes (256 terms per lane) that is 1.7e-5; with 8 lanes 3.2e-5.
     */
    public static double lseF32Sum(int termsPerLane) {
        return EXP_F32_HOST + U32 * LN_V_MAX + termsPerLane * U32;
    }

    /** {@link #lseF32Sum} plus the scaling term, for a row with largest |x/T| = maxAbs. */
    public static double lseF32(int termsPerLane, double maxAbs) {
        return lseF32Sum(termsPerLane) + LSE_F32_SCALE * maxAbs;
    }

    /**
     * LSE of FP32 data on a device without FP64 (compensated FP32 per chunk and in the merge, M + log D
     * on the host in FP64): the device exp of every term and of every chunk's merge factor
     * (2 {@link #EXP_F32_DEVICE}); the shift, u32 ln V as in {@link #lseF32Sum}; two Kahan sums of any
     * length, 2 u32 each; the merge's products d_c e^(m_c - M) and the FP32 D, u32 each; and the FP32
     * scaling {@link #LSE_F32_SCALE}.
     */
    public static double lseF32Compensated(double maxAbs) {
        return 2 * EXP_F32_DEVICE + U32 * LN_V_MAX + 6 * U32 + LSE_F32_SCALE * maxAbs;
    }

    /**
     * LSE of FP64 data (every backend: FP64 bodies or loops), one computation: a sequential FP64 sum of
     * V terms of size &le; 1 errs by V u64 relative; each exp term by 3 ulp at most (6 u64: the OpenCL
     * limit for double on a device, Java's is 1 ulp); the log and the final m + log D by 3 ulp of
     * |LSE| &le; |x/T| + ln V, so 6 u64 |x/T| + 6 u64 ln V; x * (1/T) against x / T by 2 u64 |x/T|.
     * Two such computations (a backend and the reference) compared with each other: twice that.
     */
    public static double lseF64(long v, double maxAbs) {
        return 2 * ((v + 6 + 6 * LN_V_MAX) * U64 + 8 * U64 * maxAbs);
    }

    /** The LSE bound of the data type: {@link #lseF32} (FP32 data) or {@link #lseF64} (FP64 data). */
    public static double lse(DType dtype, int termsPerLane, long v, double maxAbs) {
        return dtype == DType.F32 ? lseF32(termsPerLane, maxAbs) : lseF64(v, maxAbs);
    }

    /**
     * A softmax probability p written into an output of type {@code out}, as an absolute tolerance, for
     * a row whose LSE errs by at most {@code lse} (absolute) and whose largest |x/T| is maxAbs. p = exp(x/T
     * - LSE) errs relatively by the LSE's error plus its own roundings. F64 output (exp(x/T - LSE) in
     * FP64): x (1/T) against x / T, 3 u64 |x/T|; the shift, u64 |x/T - LSE| &le; u64 (2 |x/T| + ln V);
     * the exp, 1 ulp here and 3 on a device (6 u64). F32 output (the cpu pass writes exp32(x/T - m_c)
     * exp(m_c - LSE)): the FP32 scaling ({@link #LSE_F32_SCALE} |x/T|), the FP32 shift by the chunk's
     * maximum (u32 |x/T - m_c| &le; 2 u32 |x/T|), the FP32 exp ({@link #EXP_F32_HOST}), the factor and
     * the product rounded to FP32 (2 u32), or, for an F64 result converted, one rounding. Below the
     * normal range the relative bound does not hold; the floor is the output's subnormal steps: two of
     * FP32 (the exp's own step and the product's rounding), 1e-300 for FP64.
     */
    public static double softmax(DType out, double lse, double maxAbs, double p) {
        double rel = out == DType.F32
                ? lse + EXP_F32_HOST + (LSE_F32_SCALE + 2 * U32) * maxAbs + 2 * U32
                : lse + 6 * U64 + U64 * (5 * maxAbs + LN_V_MAX);
        return rel * Math.abs(p) + (out == DType.F32 ? 0x1p-148 : 1e-300);
    }

    /**
     * A log-softmax value y = x/T - LSE written into an output of type {@code out}, absolute: the LSE's
     * error {@code lse}, plus for F64, x (1/T) against x / T (3 u64 |x/T|) and the rounding of the
     * difference on both sides (2 u64 |y|, stated as 3); for F32 (the cpu pass: (x/T - hi) - lo with
     * LSE = hi + lo in FP32 parts), the FP32 scaling ({@link #LSE_F32_SCALE} |x/T|), the first
     * difference, u32 |x/T - hi| &le; u32 (2 |x/T| + ln V), and the second, u32 |y|.
     */
    public static double logSoftmax(DType out, double lse, double maxAbs, double y) {
        return out == DType.F32
                ? lse + (LSE_F32_SCALE + 2 * U32) * maxAbs + U32 * (LN_V_MAX + Math.abs(y)) + 3 * U64 * Math.abs(y)
                : lse + U64 * (3 * maxAbs + 3 * Math.abs(y));
    }

    /**
     * The sweep's pair states (cpu: the Brier term of a sweep point without a second pass), relative error
     * of each P_hk = sum_y e_h(y) e_k(y), e = exp(l - m) in FP32 with m the block's maximum of the head, for
     * logits with |l| &le; maxAbs. Per term: the FP32 shift l - m errs by u32 |l - m| &le; 2 u32 maxAbs,
     * which moves e relatively by as much (the tail's FP64 exp rounded to FP32: u32, less than the next
     * item); the FP32 exp by {@link #EXP_F32_HOST}; two factors: 2 EXP_F32_HOST + 4 u32 maxAbs. The fused
     * products are summed in FP32 lanes, at most termsPerLane terms (the block's length / FP32 lanes) of one
     * sign per lane: termsPerLane u32, worst case. Lanes, blocks and the rescaling by exp(m - m') are FP64
     * (u64 terms, negligible). All P_hk, d2_h and a_h = exp(m_h - log Z_h) are &ge; 0, so sum a_h a_k P_hk
     * errs relatively by this bound on top of the error of the a_h, which is that of pi_h (log Z_h): in the
     * Brier gap, ||Pi||^2 is off by (2 tolHead + sweepPairs) relative where the second pass has 2 tolHead.
     * With blocks of 512 and 16 lanes (32 terms per lane), maxAbs = 16: 100 u32 = 6.0e-6.
     */
    public static double sweepPairs(int termsPerLane, double maxAbs) {
        return 2 * EXP_F32_HOST + U32 * (termsPerLane + 4 * maxAbs);
    }

    /**
     * The Jensen gap: gamma, gammaJ and the ledger add H log Z_h and subtract one log Z, each an LSE
     * within {@code lse}; the head sums themselves are FP64 (H u64 |L|, far below): (H + 1) lse.
     */
    public static double gamma(int heads, double lse) {
        return (heads + 1) * lse;
    }

    /** Keys per block of the cpu backend's FP32 attention, at most (2 panels of 4 vectors of 16 FP32 lanes). */
    public static final int ATTENTION_BLOCK_KEYS = 128;

    /**
     * Attention against the reference: one absolute tolerance for the LSE and the outputs of inputs of
     * type {@code dtype} with d dimensions, tk keys, S = scale max over (query, key) of sum_c |q_c k_c|
     * and the largest |v|, vMax.
     *
     * <p>FP32 inputs, computed in FP32 (the cpu backend; a backend that widens them to FP64 errs less):
     * a score is an FMA chain of d products, then times the scale rounded to FP32, (d + 2) u32 S
     * absolute (e_s); a weight p = exp(s - LSE) errs relatively by 2 e_s (its score, and through the LSE
     * every score); the FP32 shift s - m_b by u32 |s - m_b|, which weighted by p is at most u32 ln tk (as
     * in {@link #lseF32Sum}); the FP32 exp by {@link #EXP_F32_HOST}; a block's sums (its l and its P V)
     * of at most {@link #ATTENTION_BLOCK_KEYS} terms by that many u32; the FP64 merges of tk / block
     * states by tk u64. The LSE = m + log l errs by e_s plus l's relative error (the weight terms) plus
     * its own rounding, 2 u64 |LSE| &le; 2 u64 (S + ln tk); an output sum_j p_j v_j by vMax times the
     * weights' relative error.
     *
     * <p>FP64 inputs (every backend in FP64): the same with u64, the device's exp (6 u64) and an online
     * softmax's tk rescales and d-term dot product ((2 tk + d) u64), doubled since the reference errs too.
     */
    public static double attention(DType dtype, int d, long tk, double s, double vMax) {
        double lnTk = Math.log(Math.max(tk, 1));
        if (dtype == DType.F32) {
            double es = (d + 2) * U32 * s;
            double w = 2 * es + U32 * lnTk + EXP_F32_HOST + ATTENTION_BLOCK_KEYS * U32 + tk * U64;
            return (1 + vMax) * w + 2 * U64 * (s + lnTk);
        }
        double es = (d + 2) * U64 * s;
        double w = 2 * (2 * es + 6 * U64 + (2 * tk + d) * U64);
        return (1 + vMax) * w + 4 * U64 * (s + lnTk);
    }

    /**
     * Crowding: the draws are Philox-identical on every backend; the cpu backend's log/sqrt/exp may
     * differ from java.lang.Math by an ulp and its cos/sin of 2 pi u by 2 ulp (VectorMathTest): at most
     * 4.4e-16 relative, so on |X| &le; 10 about 1e-14 absolute per score and per exp term, and FP64 sums of N &le; 3e5 terms in another order differ by N u64 = 3e-11
     * relative: 1e-9 on the LSE, and |dP| &le; P(1-P) |dLSE| &lt; 1e-9 on P.
     */
    public static final double CROWDING = 1e-9;

    /**
     * Positional sums: FP64 in the same order over k; a vector cos may differ from java.lang.Math.cos by
     * an ulp (2 u64 per term), so m &le; 64 terms differ by &lt; 64 * 2 * 2 u64 = 2.8e-14: 1e-12.
     */
    public static final double POSITIONAL = 1e-12;

    /**
     * One entry of a matrix product, relative to sum_k |A[i, k] B[k, j]|: a backend computing in a type
     * with unit roundoff u (matmulType: FP32 or FP64) rounds F64 operands to it (2 u of |a b| per product)
     * and accumulates K products (each addition errs by at most u of the running sum, itself at most
     * sum |a b|): (K + 2) u.
     */
    public static double matmul(DType type, int k) {
        return (k + 2) * (type == DType.F32 ? U32 : U64);
    }

    /**
     * Mixture score gaps (docs/MATH.md section 4) of a backend that sums over y in one pass and forms the
     * closed forms of {@code host.Mixture.fromSums}, against the reference's direct loops: one absolute
     * tolerance for every field of {@link MixtureGaps}, for H heads over V logits (F32 data is read
     * exactly into FP64: both sides compute in FP64), with largest |l| = maxAbs, largest |log pi_h(y)| =
     * range over every (h, y), and the contributions' constant c.
     *
     * <p>Per y: log Z_h differs by {@link #lseF64}(V, maxAbs) (both sides' errors); log pi_h = l - log Z_h
     * by that plus one rounding each side, 2 u64 range; pi_h = exp(log pi_h) by that relatively, plus 1 ulp
     * of exp each side and the ulp by which VectorMath's exp may differ from Math.exp (4 u64): e_pi =
     * lseF64 + (2 range + 4) u64. Pi = sum_h beta_h pi_h (positive terms) adds H u64 each side: e_mix =
     * e_pi + 2 H u64. Every sum over y of positive terms of size &le; 1 (||pi_h||^2, ||Pi||^2, sum Pi,
     * sum Pi pi_h), in any order, errs relatively by its factors' errors (at most 2 e_mix), the products'
     * rounding and V u64 of summation on each side: e_s = 2 e_mix + 2 (V + 2) u64.
     *
     * <p>The fields: sum Pi log Pi errs by e_s (sum Pi + sum Pi |log Pi|) &le; e_s (1 + ln V) (sum Pi &asymp; 1
     * and the entropy &le; ln V), sum Pi log pi_h by e_pi + e_s range, so the log divergence (their
     * difference, which may cancel to far below both) by e_s (2 + ln V + range). The Brier divergence 2
     * ||Pi||^2 - ||Pi||^2 S - 2 sum Pi pi_h + ||pi_h||^2 S has terms of size &le; 2, 6 in all: 6 e_s plus
     * its own roundings. The spherical ||Pi|| - sum Pi pi_h / ||pi_h|| has terms &le; 1 (Cauchy-Schwarz):
     * 3 e_s. S(pi_h, y*), S(Pi, y*) and max_y S(pi_h, y) are each at most 3 e_s off (log: e_pi;
     * Brier: 2 e_pi + e_s; spherical: e_pi + e_s / 2), the gap at most 6 e_s plus u64 of |S| &le; range
     * per head. c - S(pi_h, y*) rounds on both sides at 2 u64 (|c| + range) and the sum of contributions
     * adds H u64 of that sum: 4 (H + 1) u64 (|c| + range) covers those roundings. So every field is within
     * e_s (8 + ln V + range) + 4 (H + 1) u64 (|c| + range): with V = 2^18, H = 4 and range 20 about 4e-9.
     */
    public static double mixtureGaps(long v, int heads, double maxAbs, double range, double c) {
        double ePi = lseF64(v, maxAbs) + (2 * range + 4) * U64;
        double eSum = 2 * (ePi + 2 * heads * U64) + 2 * (v + 2) * U64;
        return eSum * (8 + Math.log(v) + range) + 4 * (heads + 1) * U64 * (Math.abs(c) + range);
    }

    /**
     * Host FP64 code shared by every backend (attribution): the same arithmetic,
     * so only FP64 rounding of a different JIT's code is left: 1e-12.
     */
    public static final double SHARED_HOST = 1e-12;
}
