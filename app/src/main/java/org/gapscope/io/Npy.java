package org.gapscope.io;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;

/**
 * NumPy's .npy format (versions 1, 2, 3): little-endian float32/float64 in C order. Files are
 * memory-mapped, never read whole into the heap, so inputs larger than the heap work.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads (maps) a .npy file; every problem is an {@link InputException} naming the file. */
    public static Tensor read(Path file) {
        Raw r = raw(file, descr -> dtype(file.toString(), descr).bytes);
        return new Tensor(dtype(file.toString(), r.descr), r.data, r.shape);
    }

    /**
     * Token ids: a .npy of int32 or int64 (little-endian, C order) of shape [T] or [S, T], as S rows of T
     * ids (one row for [T]).
     */
    public static long[][] readTokens(Path file) {
        String name = file.toString();
        Raw r = raw(file, descr -> switch (descr) {
            case "<i4" -> 4;
            case "<i8" -> 8;
            default -> throw new InputException(name + ": unsupported dtype '" + descr
                    + "' for token ids (int32 '<i4' or int64 '<i8')");
        });
        if (r.shape.length < 1 || r.shape.length > 2) {
            throw new InputException(name + ": token ids must have shape [T] or [S, T], got "
                    + java.util.Arrays.toString(r.shape));
        }
        int s = r.shape.length == 2 ? Math.toIntExact(r.shape[0]) : 1;
        int t = Math.toIntExact(r.shape[r.shape.length - 1]);
        long[][] out = new long[s][t];
        boolean i4 = r.descr.equals("<i4");
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < t; b++) {
                long i = (long) a * t + b;
                out[a][b] = i4 ? r.data.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i)
                        : r.data.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
            }
        }
        return out;
    }

    private record Raw(String descr, long[] shape, MemorySegment data) {}

    private static Raw raw(Path file, java.util.function.ToIntFunction<String> width) {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            if (size < 10) {
                throw new InputException(name + ": not a .npy file (only " + size + " bytes)");
            }
            for (int i = 0; i < MAGIC.length; i++) {
                if (all.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                    throw new InputException(name + ": not a .npy file (bad magic bytes)");
                }
            }
            int major = all.get(ValueLayout.JAVA_BYTE, 6);
            long headerLen;
            long headerStart;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(all.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) {
                    throw new InputException(name + ": truncated .npy header");
                }
                headerLen = Integer.toUnsignedLong(all.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
                headerStart = 12;
            } else {
                throw new InputException(name + ": unsupported .npy version " + major);
            }
            if (headerStart + headerLen > size) {
                throw new InputException(name + ": truncated .npy header (needs " + (headerStart + headerLen)
                        + " bytes, file has " + size + ")");
            }
            byte[] hb = all.asSlice(headerStart, headerLen).toArray(ValueLayout.JAVA_BYTE);
            String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = find(DESCR, header, name, "descr");
            int bytes = width.applyAsInt(descr);
            if (find(FORTRAN, header, name, "fortran_order").equals("True")) {
                throw new InputException(name + ": Fortran-order arrays are not supported; save it in C order "
                        + "(numpy.ascontiguousarray)");
            }
            long[] shape = shape(name, find(SHAPE, header, name, "shape"));
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            long dataStart = headerStart + headerLen;
            long need = n * bytes;
            if (size - dataStart < need) {
                throw new InputException(name + ": truncated: shape " + java.util.Arrays.toString(shape) + " needs "
                        + need + " data bytes, file has " + (size - dataStart));
            }
            return new Raw(descr, shape, all.asSlice(dataStart, need));
        } catch (NoSuchFileException e) {
            throw new InputException(name + ": no such file");
        } catch (IOException e) {
            throw new InputException(name + ": cannot read: " + e.getMessage());
        } catch (ArithmeticException e) {
            throw new InputException(name + ": shape too large");
        }
    }

    private static String find(Pattern p, String header, String name, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new InputException(name + ": corrupt .npy header (no '" + key + "')");
        }
        return m.group(1);
    }

    private static DType dtype(String name, String descr) {
        return switch (descr) {
            case "<f4" -> DType.F32;
            case "<f8" -> DType.F64;
            case ">f4", ">f8" -> throw new InputException(name + ": big-endian data (" + descr
                    + ") is not supported; convert with .astype('<f4')");
            default -> throw new InputException(name + ": unsupported dtype '" + descr + "' (float32 '<f4' or float64 '<f8')");
        };
    }

    private static long[] shape(String name, String text) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new InputException(name + ": corrupt .npy header (shape '" + text + "')");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Writes a tensor as a version-1 .npy file in C order, little-endian. */
    public static void write(Path file, Tensor t) throws IOException {
        long[] dims = t.shape();
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            shape.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        shape.append(dims.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + (t.dtype() == DType.F32 ? "<f4" : "<f8") + "', 'fortran_order': False, 'shape': "
                + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) (header.length() & 0xFF), (byte) (header.length() >> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            long bytes = t.size() * t.dtype().bytes;
            byte[] buf = new byte[1 << 16];
            for (long off = 0; off < bytes; off += buf.length) {
                int len = (int) Math.min(buf.length, bytes - off);
                MemorySegment.copy(t.segment(), ValueLayout.JAVA_BYTE, off, buf, 0, len);
                out.write(buf, 0, len);
            }
        }
    }
}
