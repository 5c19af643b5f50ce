package org.gapscope.api;

/**
 * Where the causal diagonal sits when the number of queries Tq differs from the number of keys Tk.
 * Query i (0-based) may attend to key j when:
 * <ul>
 *   <li>{@link #TOP_LEFT}: j &le; i (PyTorch's {@code tril}, {@code is_causal=True} in SDPA);</li>
 *   <li>{@link #BOTTOM_RIGHT}: j &le; i + Tk - Tq (FlashAttention 2.1 and later; the last query sees all
 *       keys, as in decoding with a KV cache);</li>
 *   <li>{@link #NONE}: every j (no mask).</li>
 * </ul>
 * For Tq = Tk the two causal alignments coincide. A query that sees no key has LSE = -inf and an output
 * of zeros (FlashAttention's convention).
 */
public enum MaskAlignment {
    TOP_LEFT, BOTTOM_RIGHT, NONE;

    /** The last key index (exclusive) query i may see. */
    public long keyLimit(long i, long tq, long tk) {
        return switch (this) {
            case TOP_LEFT -> Math.min(tk, i + 1);
            case BOTTOM_RIGHT -> Math.max(0, Math.min(tk, i + 1 + tk - tq));
            case NONE -> tk;
        };
    }
}
