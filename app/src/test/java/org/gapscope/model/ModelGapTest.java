package org.gapscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.gapscope.api.Backend;
import org.gapscope.api.Backends;
import org.gapscope.api.Tensor;
import org.gapscope.io.Checkpoint;
import org.gapscope.io.Safetensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Java's forward pass and decomposition against Hugging Face transformers itself: the fixtures in
 * tests/fixtures/models (made by make.py there: tiny random GPT2LMHeadModel, LlamaForCausalLM with GQA,
 * sharded; with llama3 RoPE scaling, tied, BF16; Qwen2ForCausalLM with q/k/v biases, F16) hold the
 * checkpoints and the expected values computed in float64 by transformers.
 *
 * <p>Tolerances. The reference backend is FP64 throughout: its error is ~1e-15 relative, so the required
 * bounds (logits 1e-4, Gamma 1e-6 relative) hold with a wide margin. The cpu backend runs every linear
 * layer and the unembedding in FP32 (each entry a sequential FMA chain over K &le; 32 here: relative
 * error &le; K 2^-24 = 2e-6 of sum |a b|, about 1e-6 of the logits after two layers) and its LSE pass in
 * FP32 lanes folded into FP64 (CpuBackend: 2e-5 + 6e-8 |x| per log Z worst case, ~1e-7 typical at
 * V &lt; 70, where every chunk is one short row). So the cpu logits are within 1e-5 relative (asserted:
 * the required 1e-4), and Gamma, a sum of H + 1 log Z's each off by ~1e-7 and cancelling between the
 * heads and the aggregate, is asserted at the required 1e-6 relative.
 */
class ModelGapTest {
    static final Path FIXTURES = Path.of("..", "tests", "fixtures", "models");

    static Stream<Arguments> cases() {
        return Stream.of("gpt2", "llama-gqa-sharded", "llama3-rope-bf16", "qwen2-f16")
                .flatMap(f -> Stream.of("reference", "cpu").map(b -> Arguments.of(f, b)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesTransformers(String fixture, String backendName) throws IOException {
        Path dir = FIXTURES.resolve(fixture);
        long[] tokens = new ObjectMapper().readValue(Files.readString(dir.resolve("tokens.json")), long[].class);
        Backend be = Backends.select(backendName);
        Transformer model = new Transformer(Checkpoint.open(dir));
        int t = tokens.length;
        int[] positions = java.util.stream.IntStream.range(0, t).toArray();
        int[] targets = new int[t];
        for (int i = 0; i < t; i++) {
            targets[i] = i + 1 < t ? (int) tokens[i + 1] : -1;
        }
        ModelGap.Result r = ModelGap.run(be, model, tokens, positions, targets);
        Path exp = dir.resolve("expected.safetensors");
        Tensor logits = Safetensors.read(exp, "logits");
        Tensor gamma = Safetensors.read(exp, "gamma");
        Tensor gammaJ = Safetensors.read(exp, "gammaJ");
        Tensor logZ = Safetensors.read(exp, "logZ");
        Tensor logZHeads = Safetensors.read(exp, "logZHeads");
        Tensor gammaLayers = Safetensors.read(exp, "gammaLayers");
        Tensor ledger = Safetensors.read(exp, "ledger");
        int h = r.heads();
        for (int p = 0; p < t; p++) {
            double scale = assertLogits(logits, r, p, fixture + " position " + p);
            assertTrue(r.maxLogitError()[p] <= 1e-4 * scale, "maxLogitError " + r.maxLogitError()[p]);
            rel(gamma.get(p), r.gamma()[p], 1e-6, fixture + " gamma at " + p);
            rel(gammaJ.get(p), r.gammaJ()[p], 1e-6, fixture + " gammaJ at " + p);
            rel(logZ.get(p), r.logZ()[p], 1e-6, fixture + " logZ at " + p);
            for (int j = 0; j < h; j++) {
                rel(logZHeads.get((long) p * h + j), r.logZHeads()[p * h + j], 1e-6, fixture + " logZ head " + j + " at " + p);
            }
            for (int l = 0; l < r.layers(); l++) {
                rel(gammaLayers.get((long) p * r.layers() + l), r.gammaLayers()[p * r.layers() + l], 1e-6,
                        fixture + " gamma of layer " + l + " at " + p);
            }
            if (p + 1 < t) {
                rel(ledger.get(p), r.ledger()[p], 1e-6, fixture + " ledger at " + p);
            }
        }
    }

    /**
     * Position p's logits within the required 1e-4 of the largest expected |logit| (see the class comment);
     * returns that largest |logit|.
     */
    static double assertLogits(Tensor expected, ModelGap.Result r, int p, String what) {
        int v = r.vocab();
        double scale = 0;
        double err = 0;
        for (int y = 0; y < v; y++) {
            scale = Math.max(scale, Math.abs(expected.get((long) p * v + y)));
            err = Math.max(err, Math.abs(r.logits()[p][y] - expected.get((long) p * v + y)));
        }
        assertTrue(err <= 1e-4 * scale, what + ": logits off by " + err + " (max |logit| " + scale + ")");
        return scale;
    }

    static void rel(double expected, double actual, double tol, String what) {
        assertTrue(Math.abs(actual - expected) <= tol * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual + " (relative error "
                        + Math.abs(actual - expected) / Math.abs(expected) + ")");
    }
}
