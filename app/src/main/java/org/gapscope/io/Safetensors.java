package org.gapscope.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gapscope.api.DType;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;

/**
 * Hugging Face's safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}},
 * offsets relative to the end of the header), then the raw little-endian data.
 *
 * <p>The file is memory-mapped, never read into the heap. F32 and F64 tensors are views of the mapping.
 * F16 and BF16 tensors are converted to F32 chunk by chunk into off-heap memory: native memory for
 * small tensors, and for tensors over {@link #NATIVE_LIMIT} bytes a memory-mapped scratch file (deleted
 * at once, alive while mapped), because the JVM limits native allocations to the heap size by default
 * and a 4 GiB BF16 input must work within a 2 GiB heap.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Converted tensors larger than this (in F32 bytes) go to a mapped scratch file instead of native memory. */
    public static final long NATIVE_LIMIT = 64L << 20;
    /** Header size limit, as in the reference implementation (100 MB). */
    static final long MAX_HEADER = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A tensor's entry in the header. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** The tensors a file holds, in header order (reads only the header). */
    public static List<Entry> list(Path file) {
        return new ArrayList<>(open(file).header.entries.values());
    }

    /**
     * Maps the tensor {@code name} (null: the only tensor in the file) as F32 or F64.
     *
     * @throws InputException for a missing/truncated/corrupt file, an unknown name, or an unsupported dtype
     */
    public static Tensor read(Path file, String name) {
        Mapped f = open(file);
        Entry e;
        if (name == null) {
            if (f.header.entries.size() != 1) {
                throw new InputException(file + ": holds " + f.header.entries.size() + " tensors; pick one with --tensor ("
                        + names(f.header) + ")");
            }
            e = f.header.entries.values().iterator().next();
        } else {
            e = f.header.entries.get(name);
            if (e == null) {
                throw new InputException(file + ": no tensor named '" + name + "' (the file has " + names(f.header) + ")");
            }
        }
        return f.tensor(e);
    }

    /**
     * Maps a safetensors file once (read-only) and reads its header: many tensors can then be taken
     * from the one mapping (a checkpoint's shard), each as {@link #read} returns it.
     */
    public static Mapped open(Path file) {
        try (FileChannel ch = open0(file)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            return new Mapped(file, all, header(file, all));
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** A mapped safetensors file: its entries and tensors. */
    public static final class Mapped {
        private final Path file;
        private final MemorySegment all;
        private final Header header;

        private Mapped(Path file, MemorySegment all, Header header) {
            this.file = file;
            this.all = all;
            this.header = header;
        }

        public Path file() {
            return file;
        }

        /** The entries in header order. */
        public Map<String, Entry> entries() {
            return java.util.Collections.unmodifiableMap(header.entries);
        }

        /** The named tensor, or null when the file has none of that name. */
        public Tensor tensor(String name) {
            Entry e = header.entries.get(name);
            return e == null ? null : tensor(e);
        }

        /**
         * F32/F64 as views of the mapping; F16/BF16 converted to F32 off the heap.
         *
         * @throws InputException for an unsupported dtype or offsets outside the file
         */
        public Tensor tensor(Entry e) {
            try {
                long n = 1;
                for (long d : e.shape) {
                    n = Math.multiplyExact(n, d);
                }
                int width = switch (e.dtype) {
                    case "F32" -> 4;
                    case "F64" -> 8;
                    case "F16", "BF16" -> 2;
                    default -> throw new InputException(file + ": tensor '" + e.name + "' has unsupported dtype " + e.dtype
                            + " (F32, F64, F16 or BF16)");
                };
                if (e.end - e.begin != Math.multiplyExact(n, (long) width)) {
                    throw new InputException(file + ": corrupt header: tensor '" + e.name + "' of shape "
                            + java.util.Arrays.toString(e.shape) + " " + e.dtype + " needs " + n * width
                            + " bytes but data_offsets span " + (e.end - e.begin));
                }
                if (header.dataStart + e.end > all.byteSize()) {
                    throw new InputException(file + ": truncated: tensor '" + e.name + "' ends at byte "
                            + (header.dataStart + e.end) + ", file has " + all.byteSize());
                }
                MemorySegment data = all.asSlice(header.dataStart + e.begin, e.end - e.begin);
                return switch (e.dtype) {
                    case "F32" -> new Tensor(DType.F32, data, e.shape);
                    case "F64" -> new Tensor(DType.F64, data, e.shape);
                    default -> new Tensor(DType.F32, toF32(file, data, n, e.dtype.equals("BF16")), e.shape);
                };
            } catch (IOException ex) {
                throw new InputException(file + ": cannot read: " + ex.getMessage());
            } catch (ArithmeticException ex) {
                throw new InputException(file + ": corrupt header: shape too large");
            }
        }
    }

    private static FileChannel open0(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        }
    }

    private static String names(Header h) {
        List<String> n = new ArrayList<>(h.entries.keySet());
        String s = String.join(", ", n.subList(0, Math.min(10, n.size())));
        return n.size() > 10 ? s + ", ... " + (n.size() - 10) + " more" : s;
    }

    private record Header(Map<String, Entry> entries, long dataStart) {}

    private static Header header(Path file, MemorySegment all) {
        long size = all.byteSize();
        if (size < 8) {
            throw new InputException(file + ": not a safetensors file (only " + size + " bytes)");
        }
        long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > MAX_HEADER) {
            throw new InputException(file + ": not a safetensors file (header length " + n + ")");
        }
        if (8 + n > size) {
            throw new InputException(file + ": truncated: header of " + n + " bytes, file has " + (size - 8) + " after the length");
        }
        String text = new String(all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InputException(file + ": corrupt header (not JSON" + jsonProblem(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new InputException(file + ": corrupt header (not a JSON object)");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = f.getValue();
            JsonNode dt = t.get("dtype");
            JsonNode shape = t.get("shape");
            JsonNode off = t.get("data_offsets");
            if (dt == null || !dt.isTextual() || shape == null || !shape.isArray() || off == null || !off.isArray()
                    || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                throw new InputException(file + ": corrupt header: tensor '" + f.getKey()
                        + "' lacks dtype, shape or data_offsets [begin, end]");
            }
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw new InputException(file + ": corrupt header: tensor '" + f.getKey() + "' has shape " + shape);
                }
                dims[i] = d.asLong();
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw new InputException(file + ": corrupt header: tensor '" + f.getKey() + "' has data_offsets " + off);
            }
            entries.put(f.getKey(), new Entry(f.getKey(), dt.asText(), dims, begin, end));
        }
        return new Header(entries, 8 + n);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    /** F16/BF16 to F32, chunk-wise, into native memory or a mapped scratch file. */
    private static MemorySegment toF32(Path file, MemorySegment src, long n, boolean bf16) throws IOException {
        long bytes = n * 4;
        MemorySegment dst;
        if (bytes <= NATIVE_LIMIT) {
            dst = Arena.ofAuto().allocate(Math.max(4, bytes), 8);
        } else {
            Path scratch = Files.createTempFile("gapscope-f32-", ".bin");
            try (FileChannel ch = FileChannel.open(scratch, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.truncate(0);
                dst = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.ofAuto());
            } catch (IOException e) {
                throw new InputException(file + ": cannot create a scratch file of " + bytes + " bytes in "
                        + scratch.getParent() + " to convert to F32: " + e.getMessage());
            } finally {
                try {
                    Files.deleteIfExists(scratch); // the mapping keeps the data alive (POSIX)
                } catch (IOException ignored) {
                    scratch.toFile().deleteOnExit();
                }
            }
        }
        final int chunk = 1 << 16;
        short[] in = new short[chunk];
        float[] out = new float[chunk];
        for (long i = 0; i < n; i += chunk) {
            int len = (int) Math.min(chunk, n - i);
            MemorySegment.copy(src, U16, i * 2, in, 0, len);
            if (bf16) {
                for (int k = 0; k < len; k++) {
                    out[k] = Float.intBitsToFloat((in[k] & 0xFFFF) << 16);
                }
            } else {
                for (int k = 0; k < len; k++) {
                    out[k] = Float.float16ToFloat(in[k]);
                }
            }
            MemorySegment.copy(out, 0, dst, F32, i * 4, len);
        }
        return dst;
    }

    /**
     * Writes tensors to a safetensors file (F32 or F64 as stored, or converted to F16/BF16 with
     * {@code dtype} "F16"/"BF16"); used by tests and tools. Values are streamed, not buffered whole.
     */
    public static void write(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            String dt = dtype != null ? dtype : (t.dtype() == DType.F32 ? "F32" : "F64");
            int width = switch (dt) {
                case "F32" -> 4;
                case "F64" -> 8;
                case "F16", "BF16" -> 2;
                default -> throw new IllegalArgumentException(dt);
            };
            long len = t.size() * width;
            header.put(e.getKey(), Map.of("dtype", dt, "shape", t.shape(), "data_offsets", List.of(offset, offset + len)));
            offset += len;
        }
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        byte[] hp = new byte[h.length + pad];
        System.arraycopy(h, 0, hp, 0, h.length);
        java.util.Arrays.fill(hp, h.length, hp.length, (byte) ' ');
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hp.length);
            out.write(len.array());
            out.write(hp);
            for (Tensor t : tensors.values()) {
                String dt = dtype != null ? dtype : (t.dtype() == DType.F32 ? "F32" : "F64");
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < t.size(); i++) {
                    b.clear();
                    switch (dt) {
                        case "F32" -> b.putFloat(t.getFloat(i));
                        case "F64" -> b.putDouble(t.get(i));
                        case "F16" -> b.putShort(Float.floatToFloat16(t.getFloat(i)));
                        default -> b.putShort((short) (Float.floatToRawIntBits(t.getFloat(i)) >> 16)); // BF16 by truncation
                    }
                    out.write(b.array(), 0, b.position());
                }
            }
        }
    }

    /**
     * The parser's complaint without the parser's internals: the first clause of its message (no source
     * description, no location record) and the column in the header where it stopped.
     */
    static String jsonProblem(JsonProcessingException e) {
        String m = oneLine(e.getOriginalMessage());
        int cut = m.indexOf(" (start marker");
        if (cut < 0) {
            cut = m.indexOf("[Source");
        }
        if (cut >= 0) {
            m = m.substring(0, cut).trim();
        }
        var loc = e.getLocation();
        long col = loc == null ? -1 : loc.getColumnNr();
        return (col > 0 ? " at character " + col : "") + (m.isEmpty() ? "" : ": " + m);
    }
}
