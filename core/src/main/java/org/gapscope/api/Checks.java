package org.gapscope.api;

import java.util.Arrays;

/**
 * The argument checks of the {@link Backend} ops, stated once for every backend: each throws an
 * {@link InputException} naming the input and the problem, or returns the sizes the op works with.
 * Backends call these first; none restates them.
 */
public final class Checks {
    private Checks() {}

    /** Rejects a temperature that is not a finite number &gt; 0. */
    public static void temperature(double t) {
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new InputException("temperature must be a finite number > 0, got " + t);
        }
    }

    /** The last dimension V of x as an int, rejecting rank 0 and V = 0. */
    public static int lastDim(Tensor x, String what) {
        if (x.rank() < 1) {
            throw new InputException(what + ": needs at least one dimension");
        }
        long v = x.dim(-1);
        if (v == 0) {
            throw new InputException(what + ": the last dimension (V) is empty");
        }
        return Math.toIntExact(v);
    }

    /** An op's caller-supplied output: x's shape (its dtype, F32 or F64, is the caller's choice). */
    public static void output(Tensor x, Tensor out, String what) {
        if (!Arrays.equals(x.shape(), out.shape())) {
            throw new InputException(what + ": the output's shape " + Arrays.toString(out.shape())
                    + " differs from the input's " + Arrays.toString(x.shape()));
        }
    }

    /** Sizes of an attention call; heads is the product of the leading dimensions. */
    public record AttentionShape(long heads, long tq, long tk, long d, long dv) {
        /** The output's shape for q [..., Tq, d]: [..., Tq, dv]. */
        public long[] outShape(Tensor q) {
            long[] shape = q.shape();
            shape[shape.length - 1] = dv;
            return shape;
        }

        /** The LSE's shape for q [..., Tq, d]: [..., Tq]. */
        public long[] lseShape(Tensor q) {
            return Arrays.copyOf(q.shape(), q.rank() - 1);
        }
    }

    /**
     * Validates q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] (same rank &gt;= 2, same leading
     * dimensions).
     */
    public static AttentionShape attention(Tensor q, Tensor k, Tensor v) {
        if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new InputException("attention: q, k, v need the same rank >= 2, got " + q + ", " + k + ", " + v);
        }
        long tq = q.dim(-2);
        long d = q.dim(-1);
        long tk = k.dim(-2);
        long dv = v.dim(-1);
        if (k.dim(-1) != d || v.dim(-2) != tk) {
            throw new InputException("attention: shapes do not compose: q " + q + ", k " + k + ", v " + v);
        }
        long heads = q.size() / Math.max(1, tq * d);
        if (k.size() != heads * tk * d || v.size() != heads * tk * dv) {
            throw new InputException("attention: leading dimensions of q, k, v differ");
        }
        return new AttentionShape(heads, tq, tk, d, dv);
    }

    /** Sizes of a Jensen-gap call: B tokens of H heads over a vocabulary of V. */
    public record GapShape(int tokens, int heads, int vocab) {}

    /** Validates logits [H, V] or [B, H, V], extra logits (null, [V] or [B, V]) and targets (null or B). */
    public static GapShape gap(Tensor logits, Tensor extra, int[] targets) {
        if (logits.rank() != 2 && logits.rank() != 3) {
            throw new InputException("logits: expected shape HxV or BxHxV, got rank " + logits.rank());
        }
        long b = logits.rank() == 3 ? logits.dim(0) : 1;
        long h = logits.dim(-2);
        long v = logits.dim(-1);
        if (b == 0) {
            throw new InputException("logits: no tokens (B = 0)");
        }
        if (h == 0) {
            throw new InputException("logits: no heads (H = 0)");
        }
        if (v == 0) {
            throw new InputException("logits: empty vocabulary (V = 0)");
        }
        if (h * v > Integer.MAX_VALUE) {
            throw new InputException("logits: H*V = " + h * v + " per token exceeds 2^31-1");
        }
        if (extra != null) {
            boolean ok = extra.dim(-1) == v && (extra.rank() == 1 || (extra.rank() == 2 && extra.dim(0) == b));
            if (!ok) {
                throw new InputException("extra logits: shape " + Arrays.toString(extra.shape())
                        + " does not match logits' B=" + b + ", V=" + v + " (expected V or BxV)");
            }
        }
        if (targets != null) {
            if (targets.length != b) {
                throw new InputException("targets: " + targets.length + " given for " + b + " tokens");
            }
            for (int t : targets) {
                if (t < 0 || t >= v) {
                    throw new InputException("target " + t + " is outside the vocabulary [0, " + v + ")");
                }
            }
        }
        return new GapShape((int) b, (int) h, (int) v);
    }

    /** Sizes of a mixture call: H heads over a vocabulary of V. */
    public record MixtureShape(int heads, int vocab) {}

    /**
     * Validates the logits [H, V] of one token, the weights beta (H positive numbers summing to 1, within
     * 1e-9) and the observed y*.
     */
    public static MixtureShape mixture(Tensor logits, double[] beta, int target) {
        if (logits.rank() != 2) {
            throw new InputException("mixture: logits must be HxV for one token, got rank " + logits.rank());
        }
        int h = Math.toIntExact(logits.dim(0));
        int v = lastDim(logits, "mixture");
        if (h == 0) {
            throw new InputException("mixture: no heads (H = 0)");
        }
        if (beta.length != h) {
            throw new InputException("mixture: " + beta.length + " weights for " + h + " heads");
        }
        double sumBeta = 0;
        for (double w : beta) {
            if (!(w > 0)) {
                throw new InputException("mixture: weights must be > 0, got " + w);
            }
            sumBeta += w;
        }
        if (Math.abs(sumBeta - 1) > 1e-9) {
            throw new InputException("mixture: weights must sum to 1, they sum to " + sumBeta);
        }
        if (target < 0 || target >= v) {
            throw new InputException("mixture: target " + target + " is outside [0, " + v + ")");
        }
        return new MixtureShape(h, v);
    }

    /** Rejects an empty set of frequencies (m = 0) for the positional sums. */
    public static void positional(double[] omegas) {
        if (omegas.length == 0) {
            throw new InputException("positional: no frequencies (m = 0)");
        }
    }

    /** Validates H head distributions, each as long as the aggregate (H &ge; 1). */
    public static void attribution(double[][] headProbs, double[] aggregate) {
        if (headProbs.length == 0) {
            throw new InputException("attribution: no head distributions (H = 0)");
        }
        for (int j = 0; j < headProbs.length; j++) {
            if (headProbs[j].length != aggregate.length) {
                throw new InputException("attribution: head " + j + " has " + headProbs[j].length
                        + " probabilities but the aggregate has " + aggregate.length);
            }
        }
    }

    /** [M, K, N] of a matrix product (A [M, K], B [N, K] transposed or [K, N], out null or [M, N]). */
    public static int[] matmul(Tensor a, Tensor b, boolean transposeB, Tensor out) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new InputException("matmul: A and B must be matrices, got " + a + " and " + b);
        }
        long m = a.dim(0);
        long k = a.dim(1);
        long kb = transposeB ? b.dim(1) : b.dim(0);
        long n = transposeB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new InputException("matmul: shapes do not compose: A " + a + ", B " + b + (transposeB ? " (transposed)" : ""));
        }
        if (m > Integer.MAX_VALUE || k > Integer.MAX_VALUE || n > Integer.MAX_VALUE) {
            throw new InputException("matmul: dimension over 2^31 in A " + a + ", B " + b);
        }
        if (out != null && (out.rank() != 2 || out.dim(0) != m || out.dim(1) != n)) {
            throw new InputException("matmul: output " + out + " is not [" + m + ", " + n + "]");
        }
        return new int[] {(int) m, (int) k, (int) n};
    }
}
