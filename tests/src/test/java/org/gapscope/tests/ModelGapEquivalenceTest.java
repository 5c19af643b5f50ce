package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.gapscope.api.Backend;
import org.gapscope.api.Tensor;
import org.gapscope.io.Checkpoint;
import org.gapscope.io.Safetensors;
import org.gapscope.model.ModelGap;
import org.gapscope.model.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code model gap} (forward pass, matmul, attention and the streamed Gamma pass) on every registered
 * backend but reference (cpu, the test-only grid, tornado under {@code scripts/test --tornado}) against
 * the values transformers computed in float64 for the fixtures in tests/fixtures/models. Bounds as in
 * app's ModelGapTest: logits within 1e-4 and Gamma, log Z within 1e-6 relative (FP32 backends: K &le; 32
 * FMAs per entry and FP32 LSE lanes, ~1e-7 relative; FP64 backends ~1e-15).
 */
class ModelGapEquivalenceTest {
    static final Path FIXTURES = Path.of("fixtures", "models");

    static Stream<Arguments> cases() {
        return EquivalenceTest.backendsUnderTest().stream()
                .flatMap(b -> Stream.of("gpt2", "llama-gqa-sharded", "llama3-rope-bf16", "qwen2-f16").map(f -> Arguments.of(b.name(), f)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void matchesTransformers(String backend, String fixture) throws IOException {
        Backend be = org.gapscope.api.Backends.select(backend);
        Path dir = FIXTURES.resolve(fixture);
        long[] tokens = new ObjectMapper().readValue(Files.readString(dir.resolve("tokens.json")), long[].class);
        int t = tokens.length;
        ModelGap.Result r = ModelGap.run(be, new Transformer(Checkpoint.open(dir)), tokens,
                java.util.stream.IntStream.range(0, t).toArray(), null);
        Path exp = dir.resolve("expected.safetensors");
        Tensor logits = Safetensors.read(exp, "logits");
        Tensor gamma = Safetensors.read(exp, "gamma");
        Tensor logZ = Safetensors.read(exp, "logZ");
        Tensor gammaLayers = Safetensors.read(exp, "gammaLayers");
        int v = r.vocab();
        for (int p = 0; p < t; p++) {
            double scale = 0;
            double err = 0;
            for (int y = 0; y < v; y++) {
                scale = Math.max(scale, Math.abs(logits.get((long) p * v + y)));
                err = Math.max(err, Math.abs(r.logits()[p][y] - logits.get((long) p * v + y)));
            }
            assertTrue(err <= 1e-4 * scale, backend + " " + fixture + " position " + p + ": logits off by " + err);
            rel(gamma.get(p), r.gamma()[p], backend + " " + fixture + " gamma at " + p);
            rel(logZ.get(p), r.logZ()[p], backend + " " + fixture + " logZ at " + p);
            for (int l = 0; l < r.layers(); l++) {
                rel(gammaLayers.get((long) p * r.layers() + l), r.gammaLayers()[p * r.layers() + l],
                        backend + " " + fixture + " gamma of layer " + l + " at " + p);
            }
        }
    }

    static void rel(double expected, double actual, String what) {
        assertTrue(Math.abs(actual - expected) <= 1e-6 * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual);
    }
}
