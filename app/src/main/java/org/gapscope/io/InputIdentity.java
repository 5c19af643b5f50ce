package org.gapscope.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gapscope.api.InputException;

/**
 * What a run directory records to identify an input file: its absolute path, its size in bytes and the
 * SHA-256 of its whole content, streamed through a 1 MiB buffer (so a file larger than the heap costs
 * one extra sequential read, about as long as computing on it, and nothing else). The full hash was
 * chosen over a hash of sampled blocks: a sampled hash misses an edit between the samples, and a run
 * directory must never mix rows of two different inputs. Modification times are not part of the
 * identity: copying or touching a file with the same bytes keeps its runs resumable.
 */
public record InputIdentity(String path, long bytes, String sha256) {

    /** Reads {@code file} once and returns its identity. */
    public static InputIdentity of(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long total = 0;
        try (FileChannel ch = FileChannel.open(abs, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            int n;
            while ((n = ch.read(buf)) >= 0) {
                if (n == 0 && !buf.hasRemaining()) {
                    continue;
                }
                buf.flip();
                total += buf.remaining();
                sha.update(buf);
                buf.clear();
            }
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new InputException(file + ": cannot be read: " + e.getMessage());
        }
        return new InputIdentity(abs.toString(), total, HexFormat.of().formatHex(sha.digest()));
    }

    /** The identity as run-directory parameters: {@code <prefix>}, {@code <prefix>Bytes}, {@code <prefix>Sha256}. */
    public Map<String, Object> asParameters(String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix, path);
        m.put(prefix + "Bytes", bytes);
        m.put(prefix + "Sha256", sha256);
        return m;
    }
}
