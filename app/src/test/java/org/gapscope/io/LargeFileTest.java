package org.gapscope.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gapscope.api.DType;
import org.gapscope.api.GapResult;
import org.gapscope.api.Tensor;
import org.gapscope.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory-mapped reading of inputs larger than the heap. Surefire runs this class alone in a JVM with
 * -Xmx256m (execution "large-inputs" in app/pom.xml); the files are sparse (zeros cost no disk
 * writes), about 420 MB each, and deleted afterwards.
 */
class LargeFileTest {
    @TempDir
    Path dir;

    static final int B = 25;

    /**
     * The "large-inputs" execution sets gapscope.largeInputs=true and then a file that does not exceed the
     * heap is a failure; in any other JVM (e.g. -Dtest=LargeFileTest in the default execution, big heap)
     * the test is skipped rather than passing without meaning.
     */
    static void requireLargerThanHeap(Path f) throws IOException {
        long size = Files.size(f);
        boolean larger = size > Runtime.getRuntime().maxMemory();
        String why = "the file (" + size + " B) must exceed the heap (" + Runtime.getRuntime().maxMemory() + " B)";
        if (Boolean.getBoolean("gapscope.largeInputs")) {
            assertTrue(larger, why);
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(larger, why + "; run by the large-inputs execution");
        }
    }
    static final int H = 16;
    static final int V = 262144;

    /** A sparse safetensors file of shape [b, H, V] whose data is zero except the values put in token 0. */
    static Path sparse(Path file, String dtype, int b, float[] token0) throws IOException {
        int width = dtype.equals("F32") ? 4 : 2;
        long bytes = (long) b * H * V * width;
        String header = "{\"logits\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + b + "," + H + "," + V
                + "],\"data_offsets\":[0," + bytes + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            f.write(len.array());
            f.write(h);
            ByteBuffer t = ByteBuffer.allocate(token0.length * width).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : token0) {
                if (width == 4) {
                    t.putFloat(x);
                } else {
                    t.putShort(Float.floatToFloat16(x));
                }
            }
            f.write(t.array());
            f.setLength(8 + h.length + bytes);
        }
        return file;
    }

    static float[] token0() {
        // head h, token y: a few large logits so that token 0's Gamma differs from the all-zero tokens'
        float[] x = new float[3 * V];
        for (int i = 0; i < x.length; i += 977) {
            x[i] = (float) (8 * Math.sin(i));
        }
        return x;
    }

    @Test
    void float32FileLargerThanTheHeapIsMappedNotRead() throws IOException {
        Path f = sparse(dir.resolve("big.safetensors"), "F32", B, token0());
        requireLargerThanHeap(f);
        Tensor t = TensorFiles.read(f, "logits");
        GapResult g = new ReferenceBackend().jensenGap(t, null, null);
        // all-zero tokens: Gamma = H ln V - ln V = (H-1) ln V, exact up to ~16 roundings of ln V (1e-13 abs)
        for (int b = 1; b < B; b++) {
            assertEquals((H - 1) * Math.log(V), g.gamma()[b], 1e-11);
        }
        // token 0 against the same computation on a heap copy of just that token
        float[] copy = t.toFloats(0, H * V);
        GapResult g0 = new ReferenceBackend().jensenGap(Tensor.of(copy, H, V), null, null);
        assertEquals(g0.gamma()[0], g.gamma()[0], 0.0);
        Files.delete(f);
    }

    @Test
    void float16FileLargerThanTheHeapIsConvertedOffHeap() throws IOException {
        int b = 50; // 50 x 16 x 262144 x 2 B = 419 MB of F16, 839 MB once converted to F32
        float[] t0 = token0();
        Path f = sparse(dir.resolve("big16.safetensors"), "F16", b, t0);
        requireLargerThanHeap(f);
        Tensor t = TensorFiles.read(f, "logits");
        assertEquals(DType.F32, t.dtype());
        for (int i = 0; i < t0.length; i += 977) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(t0[i])), t.getFloat(i), 0f);
        }
        assertEquals(0f, t.getFloat(t.size() - 1), 0f);
        // the last two tokens (at the far end of the converted data), all zero
        long off = (long) (b - 2) * H * V * 4;
        Tensor tail = new Tensor(DType.F32, t.segment().asSlice(off, 2L * H * V * 4), 2, H, V);
        GapResult g = new ReferenceBackend().jensenGap(tail, null, null);
        assertEquals((H - 1) * Math.log(V), g.gamma()[1], 1e-11);
        Files.delete(f);
    }

    @Test
    void npyLargerThanTheHeapIsMapped() throws IOException {
        // a version-1 .npy header for float32 [25, 16, 262144], data sparse zeros
        Path f = dir.resolve("big.npy");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + B + ", " + H + ", " + V + "), }";
        int total = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
            r.write(header.getBytes(StandardCharsets.ISO_8859_1));
            r.setLength(10 + header.length() + (long) B * H * V * 4);
        }
        requireLargerThanHeap(f);
        Tensor t = TensorFiles.read(f, null);
        MemorySegment s = t.segment();
        assertEquals((long) B * H * V * 4, s.byteSize());
        GapResult g = new ReferenceBackend().jensenGap(new Tensor(DType.F32, s.asSlice(s.byteSize() - 4L * H * V), H, V), null, null);
        assertEquals((H - 1) * Math.log(V), g.gamma()[0], 1e-11);
        Files.delete(f);
    }
}
