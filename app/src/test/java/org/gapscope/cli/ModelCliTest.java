package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gapscope.api.Tensor;
import org.gapscope.io.Safetensors;
import org.gapscope.measure.PointLog;
import org.gapscope.model.ModelGapRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code model gap} on the committed fixtures: the JSON contract, the run directory, and bad input. */
class ModelCliTest {
    static final Path FIXTURES = Path.of("..", "tests", "fixtures", "models");

    @TempDir
    Path dir;

    static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    @Test
    void jsonHasTheContractKeysPerPosition() throws Exception {
        CliTest.Run r = run("model", "gap", "--checkpoint", FIXTURES.resolve("gpt2").toString(), "--tokens", "53,48,34,4",
                "--positions", "1,3", "--target", "next", "--backend", "reference", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        JsonNode pos = root.get("positions");
        assertEquals(2, pos.size());
        for (String k : List.of("position", "token", "gamma", "gammaJ", "logZ", "logZHeads", "gammaLayers", "maxLogitError",
                "target", "ledger")) {
            assertTrue(pos.get(0).has(k), "key " + k);
        }
        assertEquals(1, pos.get(0).get("position").asInt());
        assertEquals(48, pos.get(0).get("token").asInt());
        assertEquals(34, pos.get(0).get("target").asInt());
        assertEquals(8, pos.get(0).get("logZHeads").size());
        assertEquals(2, pos.get(0).get("gammaLayers").size());
        assertTrue(pos.get(1).get("ledger").isNull(), "no next token after the last position");
        // the same model's gamma at position 1 from the fixture (transformers, float64)
        double expected = Safetensors.read(FIXTURES.resolve("gpt2").resolve("expected.safetensors"), "gamma").get(1);
        assertEquals(expected, pos.get(0).get("gamma").asDouble(), 1e-6 * expected);
    }

    @Test
    void tokensFileOfSeveralSequencesWritesAResumableRunWithPlots() throws Exception {
        Path ids = dir.resolve("ids.npy");
        writeInt64(ids, new long[][] {{5, 66, 37, 39, 42}, {1, 2, 3, 4, 5}, {60, 0, 7, 7, 9}});
        Path out = dir.resolve("run");
        String[] args = {"model", "gap", "--checkpoint", FIXTURES.resolve("llama-gqa-sharded").toString(), "--tokens-file",
            ids.toString(), "--target", "next", "--backend", "cpu", "--out", out.toString(), "--progress", "off"};
        CliTest.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> rows = PointLog.readRows(out.resolve(PointLog.JSONL));
        assertEquals(3, rows.size());
        assertTrue(Files.size(out.resolve(ModelGapRun.GAMMA_PLOT)) > 1000);
        assertTrue(Files.size(out.resolve(ModelGapRun.LAYER_PLOT)) > 1000);
        byte[] before = Files.readAllBytes(out.resolve(PointLog.JSONL));
        CliTest.Run again = run(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("0 computed, 3 resumed"), again.out());
        assertEquals(new String(before, StandardCharsets.UTF_8),
                Files.readString(out.resolve(PointLog.JSONL)), "rows are never rewritten");
    }

    @Test
    void sameBitsOnEveryRun() {
        String[] args = {"model", "gap", "--checkpoint", FIXTURES.resolve("qwen2-f16").toString(), "--tokens", "18,9,24,52",
            "--backend", "cpu", "--format", "json"};
        // the first run warms the JIT up: until the cpu backend's vector exp gives the same bits interpreted
        // and compiled (VectorMath, CpuDeterminismTest), runs are compared once compiled
        run(args);
        assertEquals(run(args).out(), run(args).out());
    }

    // ---- bad input: one line naming the input, exit 2 ------------------------------------------

    void bad(String expected, String... args) {
        CliTest.Run r = run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception"), err);
        assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
    }

    Path copy(String fixture) throws IOException {
        Path d = dir.resolve(fixture + "-copy");
        Files.createDirectories(d);
        try (var files = Files.list(FIXTURES.resolve(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, d.resolve(f.getFileName()));
            }
        }
        return d;
    }

    /** model gap on checkpoint d (tokens 1, 2) fails with one line containing {@code expected}. */
    void badCheckpoint(Path d, String expected) {
        bad(expected, "model", "gap", "--checkpoint", d.toString(), "--tokens", "1,2");
    }

    @ParameterizedTest
    @CsvSource({"gpt2, config.json, no config.json", "gpt2, model.safetensors, no weights",
        "llama-gqa-sharded, model-00003-of-00007.safetensors, model-00003-of-00007.safetensors: no such file"})
    void aMissingFileIsNamed(String fixture, String file, String expected) throws IOException {
        Path d = copy(fixture);
        Files.delete(d.resolve(file));
        badCheckpoint(d, expected);
    }

    static Stream<Arguments> unsupportedConfigs() {
        return Stream.of(
                Arguments.of("gpt2", "\"model_type\": \"gpt2\"",
                        "\"model_type\": \"bert\"", "model_type 'bert' is not supported"),
                Arguments.of("llama3-rope-bf16", "\"rope_type\": \"llama3\"",
                        "\"rope_type\": \"yarn\"", "rope scaling 'yarn' is not supported"));
    }

    @ParameterizedTest
    @MethodSource("unsupportedConfigs")
    void anUnsupportedConfigIsNamed(String fixture, String from, String to, String expected) throws IOException {
        Path d = copy(fixture);
        editConfig(d, from, to);
        badCheckpoint(d, expected);
    }

    @Test
    void missingTensorAndWrongShape() throws IOException {
        Path src = FIXTURES.resolve("gpt2").resolve("model.safetensors");
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (Safetensors.Entry e : Safetensors.list(src)) {
            all.put(e.name(), Safetensors.read(src, e.name()));
        }
        Path d = copy("gpt2");
        Map<String, Tensor> missing = new LinkedHashMap<>(all);
        missing.remove("transformer.ln_f.bias");
        Safetensors.write(d.resolve("model.safetensors"), missing, null);
        badCheckpoint(d, "tensor 'transformer.ln_f.bias' is missing");
        Map<String, Tensor> wrong = new LinkedHashMap<>(all);
        wrong.put("transformer.h.1.attn.c_proj.weight", Tensor.of(new float[16 * 15], 16, 15));
        Safetensors.write(d.resolve("model.safetensors"), wrong, null);
        badCheckpoint(d, "tensor 'transformer.h.1.attn.c_proj.weight' has shape [16, 15], expected [16, 16]");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path d = copy("gpt2");
        Path f = d.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int i = s.indexOf("\"dtype\":\"F32\"");
        assertTrue(i > 0);
        byte[] i32 = "\"dtype\":\"I32\"".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(i32, 0, b, i, i32.length);
        Files.write(f, b);
        badCheckpoint(d, "unsupported dtype I32");
    }

    @Test
    void tokenOutsideTheVocabulary() {
        bad("token id 61 at position 1 is outside [0, vocab_size 61)", "model", "gap", "--checkpoint",
                FIXTURES.resolve("gpt2").toString(), "--tokens", "1,61");
    }

    @Test
    void morePositionsThanTheModelHas() {
        bad("17 positions exceed max_position_embeddings 16", "model", "gap", "--checkpoint",
                FIXTURES.resolve("gpt2").toString(), "--tokens", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
    }

    static void editConfig(Path d, String from, String to) throws IOException {
        Path c = d.resolve("config.json");
        String s = Files.readString(c);
        assertTrue(s.contains(from), s);
        Files.writeString(c, s.replace(from, to));
    }

    static void writeInt64(Path file, long[][] ids) throws IOException {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + ids.length + ", " + ids[0].length + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(10 + header.length() + 8 * ids.length * ids[0].length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        bb.putShort((short) header.length());
        bb.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (long[] row : ids) {
            for (long v : row) {
                bb.putLong(v);
            }
        }
        Files.write(file, bb.array());
    }
}
