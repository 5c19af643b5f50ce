package org.gapscope.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsBothDtypes() throws IOException {
        float[] f = {1.5f, -2f, 3.25f, Float.NaN, Float.NEGATIVE_INFINITY, 0f};
        Path pf = dir.resolve("f.npy");
        Npy.write(pf, Tensor.of(f, 2, 3));
        Tensor rf = Npy.read(pf);
        assertEquals(DType.F32, rf.dtype());
        assertArrayEquals(new long[] {2, 3}, rf.shape());
        assertArrayEquals(f, rf.toFloats(0, 6));

        double[] d = {Math.PI, -1e300, 4.9e-324, 7};
        Path pd = dir.resolve("d.npy");
        Npy.write(pd, Tensor.of(d, 1, 2, 2));
        Tensor rd = Npy.read(pd);
        assertEquals(DType.F64, rd.dtype());
        assertArrayEquals(new long[] {1, 2, 2}, rd.shape());
        assertArrayEquals(d, rd.toDoubles(), 0.0);

        Path p1 = dir.resolve("v.npy");
        Npy.write(p1, Tensor.of(new double[] {1, 2, 3}, 3));
        assertArrayEquals(new long[] {3}, Npy.read(p1).shape());
    }

    /** Bytes numpy 2 writes for np.arange(6, dtype='<f4').reshape(2, 3) (header padded to 64 bytes). */
    @Test
    void readsNumpysOwnLayout() throws IOException {
        Path p = dir.resolve("np.npy");
        writeRaw(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", floats(0, 1, 2, 3, 4, 5), 1);
        Tensor t = Npy.read(p);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.toFloats(0, 6));
        Path p2 = dir.resolve("v2.npy");
        writeRaw(p2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", floats(0, 1, 2, 3, 4, 5), 2);
        assertArrayEquals(new long[] {6}, Npy.read(p2).shape());
    }

    @Test
    void refusesFortranOrderClearly() throws IOException {
        Path p = dir.resolve("fortran.npy");
        writeRaw(p, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", floats(0, 1, 2, 3, 4, 5), 1);
        InputException e = assertThrows(InputException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains("fortran.npy") && e.getMessage().contains("Fortran"), e.getMessage());
    }

    @Test
    void refusesTruncatedCorruptAndUnsupportedFiles() throws IOException {
        Path full = dir.resolve("full.npy");
        Npy.write(full, Tensor.of(new float[100], 10, 10));
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        assertMessage(cut, "truncated");
        Path header = dir.resolve("header.npy");
        Files.write(header, Arrays.copyOf(bytes, 40));
        assertMessage(header, "truncated");
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "hello, this is not numpy at all");
        assertMessage(junk, "magic");
        Path ints = dir.resolve("ints.npy");
        writeRaw(ints, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", new byte[4], 1);
        assertMessage(ints, "dtype");
        Path big = dir.resolve("big.npy");
        writeRaw(big, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4], 1);
        assertMessage(big, "big-endian");
        assertMessage(dir.resolve("missing.npy"), "no such file");
    }

    static void assertMessage(Path p, String fragment) {
        InputException e = assertThrows(InputException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }

    static byte[] floats(float... v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static void writeRaw(Path p, String dict, byte[] data, int version) throws IOException {
        int pre = version == 1 ? 10 : 12;
        int pad = (64 - (pre + dict.length() + 1) % 64) % 64;
        String h = dict + " ".repeat(pad) + "\n";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) {
            out.write(new byte[] {(byte) h.length(), 0});
        } else {
            out.write(new byte[] {(byte) h.length(), 0, 0, 0});
        }
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        Files.write(p, out.toByteArray());
    }
}
