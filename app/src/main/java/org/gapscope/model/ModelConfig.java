package org.gapscope.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.gapscope.api.InputException;

/**
 * The shape of a transformer as a Hugging Face {@code config.json} gives it, for the two families
 * gapscope runs: GPT-2 ({@code model_type} gpt2) and Llama ({@code llama}, {@code qwen2},
 * {@code mistral}: RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU).
 *
 * @param ropeTheta   RoPE base (Llama family)
 * @param llama3      llama3 rope scaling {factor, low_freq_factor, high_freq_factor,
 *                    original_max_position_embeddings}, or null
 * @param slidingWindow Mistral's sliding window (0: none)
 */
public record ModelConfig(Family family, String modelType, int vocab, int hidden, int layers, int heads, int kvHeads,
                          int headDim, int inner, double eps, int maxPositions, boolean tied, double ropeTheta,
                          double[] llama3, int slidingWindow) {

    public enum Family { GPT2, LLAMA }

    /** Heads over all layers. */
    public int totalHeads() {
        return layers * heads;
    }

    /** Parses config.json; one-line {@link InputException} for what gapscope cannot run. */
    public static ModelConfig parse(JsonNode c, String where) {
        String type = text(c, "model_type", where);
        return switch (type) {
            case "gpt2" -> gpt2(c, where);
            case "llama", "qwen2", "mistral" -> llama(c, type, where);
            default -> throw new InputException(where + ": model_type '" + type
                    + "' is not supported (gpt2, llama, qwen2, mistral)");
        };
    }

    private static ModelConfig gpt2(JsonNode c, String where) {
        int d = integer(c, "n_embd", where);
        int heads = integer(c, "n_head", where);
        if (heads <= 0 || d % heads != 0) {
            throw new InputException(where + ": n_embd " + d + " is not a multiple of n_head " + heads);
        }
        String act = c.has("activation_function") ? c.get("activation_function").asText() : "gelu_new";
        if (!act.equals("gelu_new")) {
            throw new InputException(where + ": activation_function '" + act + "' is not supported (gelu_new)");
        }
        if (c.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
            throw new InputException(where + ": scale_attn_by_inverse_layer_idx = true is not supported");
        }
        if (!c.path("scale_attn_weights").asBoolean(true)) {
            throw new InputException(where + ": scale_attn_weights = false is not supported");
        }
        int inner = c.hasNonNull("n_inner") ? integer(c, "n_inner", where) : 4 * d;
        return new ModelConfig(Family.GPT2, "gpt2", integer(c, "vocab_size", where), d, integer(c, "n_layer", where), heads,
                heads, d / heads, inner, c.path("layer_norm_epsilon").asDouble(1e-5), integer(c, "n_positions", where),
                c.path("tie_word_embeddings").asBoolean(true), 0, null, 0);
    }

    private static ModelConfig llama(JsonNode c, String type, String where) {
        int d = integer(c, "hidden_size", where);
        int heads = integer(c, "num_attention_heads", where);
        int kv = c.hasNonNull("num_key_value_heads") ? integer(c, "num_key_value_heads", where) : heads;
        if (heads <= 0 || kv <= 0 || heads % kv != 0) {
            throw new InputException(where + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kv);
        }
        int headDim = c.hasNonNull("head_dim") ? integer(c, "head_dim", where) : d / heads;
        if (headDim % 2 != 0) {
            throw new InputException(where + ": head_dim " + headDim + " is odd (RoPE rotates halves)");
        }
        String act = c.has("hidden_act") ? c.get("hidden_act").asText() : "silu";
        if (!act.equals("silu")) {
            throw new InputException(where + ": hidden_act '" + act + "' is not supported (silu)");
        }
        // transformers >= 5 writes rope_parameters {rope_type, rope_theta, ...}; older configs (and the
        // Hub's Llama 3.x) rope_theta plus rope_scaling {rope_type or type, ...} or null.
        JsonNode rope = c.hasNonNull("rope_parameters") ? c.get("rope_parameters") : c.get("rope_scaling");
        double theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble()
                : rope != null && rope.hasNonNull("rope_theta") ? rope.get("rope_theta").asDouble() : 10000.0;
        double[] llama3 = null;
        if (rope != null && !rope.isNull()) {
            String rt = rope.hasNonNull("rope_type") ? rope.get("rope_type").asText()
                    : rope.hasNonNull("type") ? rope.get("type").asText() : "default";
            if (rt.equals("llama3")) {
                llama3 = new double[] {number(rope, "factor", where), number(rope, "low_freq_factor", where),
                    number(rope, "high_freq_factor", where), number(rope, "original_max_position_embeddings", where)};
            } else if (!rt.equals("default")) {
                throw new InputException(where + ": rope scaling '" + rt + "' is not supported (none or llama3)");
            }
            if (rope.hasNonNull("partial_rotary_factor") && rope.get("partial_rotary_factor").asDouble() != 1.0) {
                throw new InputException(where + ": partial_rotary_factor " + rope.get("partial_rotary_factor")
                        + " is not supported (1)");
            }
        }
        int window = 0;
        boolean windowed = type.equals("mistral") || c.path("use_sliding_window").asBoolean(false);
        if (windowed && c.hasNonNull("sliding_window")) {
            window = integer(c, "sliding_window", where);
        }
        return new ModelConfig(Family.LLAMA, type, integer(c, "vocab_size", where), d, integer(c, "num_hidden_layers", where),
                heads, kv, headDim, integer(c, "intermediate_size", where), c.path("rms_norm_eps").asDouble(1e-6),
                integer(c, "max_position_embeddings", where), c.path("tie_word_embeddings").asBoolean(false), theta,
                llama3, window);
    }

    private static String text(JsonNode c, String key, String where) {
        JsonNode n = c.get(key);
        if (n == null || !n.isTextual()) {
            throw new InputException(where + ": no \"" + key + "\"");
        }
        return n.asText();
    }

    private static int integer(JsonNode c, String key, String where) {
        JsonNode n = c.get(key);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            throw new InputException(where + ": \"" + key + "\" must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode c, String key, String where) {
        JsonNode n = c.get(key);
        if (n == null || !n.isNumber()) {
            throw new InputException(where + ": rope scaling needs a number \"" + key + "\", got " + n);
        }
        return n.asDouble();
    }
}
