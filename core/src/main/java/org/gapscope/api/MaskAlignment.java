package org.gapscope.api;

import org.gapscope.kernels.Attention;

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
    TOP_LEFT(Attention.TOP_LEFT), BOTTOM_RIGHT(Attention.BOTTOM_RIGHT), NONE(Attention.NONE);

    private final int code;

    MaskAlignment(int code) {
        this.code = code;
    }

    /** The mask code the attention body takes ({@link Attention#TOP_LEFT}, ...). */
    public int code() {
        return code;
    }

    /** The number of keys query i may see (the attention body's {@link Attention#keyLimit}). */
    public int keyLimit(int i, int tq, int tk) {
        return Attention.keyLimit(i, tq, tk, code);
    }
}
