package org.gapscope.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.RandomTensors;
import org.gapscope.api.Tensor;
import org.gapscope.io.Checkpoint;

/**
 * Random weights of real models' shapes, generated in memory (no download), for benchmarks:
 * {@code gpt2-small} (GPT-2 124M: 12 layers x 12 heads, d 768, V 50257) and {@code llama-3.2-1b}
 * (16 layers x 32 heads, 8 key/value heads, d 2048, MLP 8192, V 128256, llama3 RoPE, tied). All layers
 * share one set of random block weights (Gaussian, std 1/sqrt(fan-in); norms 1): the arithmetic and the
 * shapes are the real model's, the memory is one block's plus the embedding.
 */
public final class RandomModels {
    private RandomModels() {}

    public static Checkpoint checkpoint(String shape) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        Map<String, Tensor> t = new LinkedHashMap<>();
        switch (shape) {
            case "gpt2-small" -> {
                int d = 768;
                int v = 50257;
                c.put("model_type", "gpt2").put("vocab_size", v).put("n_embd", d).put("n_layer", 12).put("n_head", 12)
                        .put("n_positions", 1024).put("layer_norm_epsilon", 1e-5).put("activation_function", "gelu_new");
                t.put("wte.weight", RandomTensors.gaussian(DType.F32, 1.0, 1, v, d));
                t.put("wpe.weight", RandomTensors.gaussian(DType.F32, 0.1, 2, 1024, d));
                Map<String, Tensor> block = new LinkedHashMap<>();
                block.put("ln_1.weight", ones(d));
                block.put("ln_1.bias", zeros(d));
                block.put("attn.c_attn.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 3, d, 3L * d));
                block.put("attn.c_attn.bias", zeros(3 * d));
                block.put("attn.c_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 4, d, d));
                block.put("attn.c_proj.bias", zeros(d));
                block.put("ln_2.weight", ones(d));
                block.put("ln_2.bias", zeros(d));
                block.put("mlp.c_fc.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 5, d, 4L * d));
                block.put("mlp.c_fc.bias", zeros(4 * d));
                block.put("mlp.c_proj.weight", RandomTensors.gaussian(DType.F32, 0.5 / Math.sqrt(d), 6, 4L * d, d));
                block.put("mlp.c_proj.bias", zeros(d));
                for (int i = 0; i < 12; i++) {
                    for (Map.Entry<String, Tensor> e : block.entrySet()) {
                        t.put("h." + i + "." + e.getKey(), e.getValue());
                    }
                }
                t.put("ln_f.weight", ones(d));
                t.put("ln_f.bias", zeros(d));
            }
            case "llama-3.2-1b" -> {
                int d = 2048;
                int v = 128256;
                int inner = 8192;
                int layers = 16;
                c.put("model_type", "llama").put("vocab_size", v).put("hidden_size", d).put("intermediate_size", inner)
                        .put("num_hidden_layers", layers).put("num_attention_heads", 32).put("num_key_value_heads", 8)
                        .put("head_dim", 64).put("max_position_embeddings", 131072).put("rms_norm_eps", 1e-5)
                        .put("rope_theta", 500000.0).put("tie_word_embeddings", true).put("hidden_act", "silu");
                c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0)
                        .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
                t.put("model.embed_tokens.weight", RandomTensors.gaussian(DType.F32, 1.0, 1, v, d));
                Map<String, Tensor> block = new LinkedHashMap<>();
                block.put("input_layernorm.weight", ones(d));
                block.put("self_attn.q_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 3, d, d));
                block.put("self_attn.k_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 4, 512, d));
                block.put("self_attn.v_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 5, 512, d));
                block.put("self_attn.o_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 6, d, d));
                block.put("post_attention_layernorm.weight", ones(d));
                block.put("mlp.gate_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 7, inner, d));
                block.put("mlp.up_proj.weight", RandomTensors.gaussian(DType.F32, 1 / Math.sqrt(d), 8, inner, d));
                block.put("mlp.down_proj.weight", RandomTensors.gaussian(DType.F32, 0.5 / Math.sqrt(inner), 9, d, inner));
                for (int i = 0; i < layers; i++) {
                    for (Map.Entry<String, Tensor> e : block.entrySet()) {
                        t.put("model.layers." + i + "." + e.getKey(), e.getValue());
                    }
                }
                t.put("model.norm.weight", ones(d));
            }
            default -> throw new InputException("--shape: '" + shape + "' is not gpt2-small or llama-3.2-1b");
        }
        return Checkpoint.inMemory(Path.of("random-" + shape), c, t);
    }

    private static Tensor ones(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return Tensor.of(f, n);
    }

    private static Tensor zeros(int n) {
        return Tensor.of(new float[n], n);
    }
}
