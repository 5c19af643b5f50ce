package org.gapscope.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    static float[] values(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.sin(i * 0.7) * 3 + (i % 5 == 0 ? -20 : 0));
        }
        return x;
    }

    @Test
    void readsEachDtypeByName() throws IOException {
        float[] x = values(2 * 3 * 5);
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i] * 1.000000001;
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", Tensor.of(x, 2, 3, 5));
        m.put("b", Tensor.of(d, 3, 10));
        Path f32 = dir.resolve("m.safetensors");
        Safetensors.write(f32, m, null);
        Tensor a = TensorFiles.read(f32, "a");
        assertEquals(DType.F32, a.dtype());
        assertEquals(3, a.rank());
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], a.getFloat(i), 0f);
        }
        Tensor b = TensorFiles.read(f32, "b");
        assertEquals(DType.F64, b.dtype());
        assertEquals(d[7], b.get(7), 0.0);
        assertEquals(2, Safetensors.list(f32).size());

        for (String dt : new String[] {"F16", "BF16"}) {
            Path f = dir.resolve(dt + ".safetensors");
            Safetensors.write(f, Map.of("logits", Tensor.of(x, 2, 3, 5)), dt);
            Tensor t = TensorFiles.read(f, null); // the only tensor
            assertEquals(DType.F32, t.dtype());
            for (int i = 0; i < x.length; i++) {
                float expected = dt.equals("F16") ? Float.float16ToFloat(Float.floatToFloat16(x[i]))
                        : Float.intBitsToFloat(Float.floatToRawIntBits(x[i]) & 0xFFFF0000);
                // exact: the reader's conversion is the exact widening of the stored 16-bit value
                assertEquals(expected, t.getFloat(i), 0f, dt + " " + i);
            }
        }
    }

    static void expectError(Path file, String tensor, String... parts) {
        InputException e = assertThrows(InputException.class, () -> TensorFiles.read(file, tensor));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage());
        }
    }

    static Path raw(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void badFilesGiveOneLineNamingTheFile() throws IOException {
        Path good = dir.resolve("g.safetensors");
        Safetensors.write(good, Map.of("logits", Tensor.of(values(60), 4, 15)), null);
        expectError(good, "nope", "no tensor named 'nope'", "logits");
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 9));
        expectError(cut, "logits", "truncated");
        Path cutHeader = dir.resolve("cuthead.safetensors");
        Files.write(cutHeader, java.util.Arrays.copyOf(all, 20));
        expectError(cutHeader, "logits", "truncated", "header");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        expectError(tiny, null, "not a safetensors file");
        expectError(raw(dir.resolve("json.safetensors"), "{\"logits\": {\"dtype\": ", 0), "logits", "corrupt header", "not JSON");
        expectError(raw(dir.resolve("i8.safetensors"),
                "{\"logits\":{\"dtype\":\"I8\",\"shape\":[2,3],\"data_offsets\":[0,6]}}", 6), "logits", "unsupported dtype I8");
        expectError(raw(dir.resolve("span.safetensors"),
                "{\"logits\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20), "logits", "needs 24 bytes");
        expectError(raw(dir.resolve("noshape.safetensors"),
                "{\"logits\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}}", 24), "logits", "lacks dtype, shape or data_offsets");
        expectError(raw(dir.resolve("neg.safetensors"),
                "{\"logits\":{\"dtype\":\"F32\",\"shape\":[-2,3],\"data_offsets\":[0,24]}}", 24), "logits", "shape");
        Path two = dir.resolve("two.safetensors");
        Safetensors.write(two, Map.of("x", Tensor.of(values(4), 2, 2), "y", Tensor.of(values(4), 2, 2)), null);
        expectError(two, null, "holds 2 tensors", "--tensor");
        expectError(dir.resolve("missing.safetensors"), null, "no such file");
        expectError(dir.resolve("x.bin"), null, "unknown file type");
    }
}
