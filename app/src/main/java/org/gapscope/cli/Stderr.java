package org.gapscope.cli;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where the CLI's stderr goes when it runs under {@code scripts/gapscope}. The JVM prints "WARNING: Using
 * incubator modules" on file descriptor 2 before {@code main} runs, so the launcher points descriptor 2
 * at a temporary file (printed, without that line, when the JVM has ended) and passes the user's real
 * stderr as descriptor 3 in {@code -Dgapscope.stderr=/dev/fd/3}. {@link #install} makes {@code System.err}
 * write there directly: progress and error lines reach the terminal or pipe as they are written,
 * byte for byte, with no buffer in between.
 *
 * <p>{@link LineDropper} also drops whole lines that start with one of {@link #DROPPED} (TornadoVM's
 * notice that the grid scheduler sets loop bounds, printed on every plan): it passes bytes through at
 * once and holds back only the first bytes of a line while they still spell a prefix of a dropped line.
 */
final class Stderr {
    private Stderr() {}

    /** The system property naming the file to write stderr to. */
    static final String PROPERTY = "gapscope.stderr";

    static final List<String> DROPPED = List.of("WARNING: Using incubator modules",
            "[TornadoVM] Warning: The loop bounds will be configured by the GridScheduler");

    /** Redirects System.err when {@link #PROPERTY} is set; keeps it when the target cannot be opened. */
    static void install() {
        String target = System.getProperty(PROPERTY);
        if (target == null || target.isEmpty()) {
            return;
        }
        try {
            OutputStream out = new FileOutputStream(target, true);
            System.setErr(new PrintStream(new LineDropper(out, DROPPED), true, StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            // stderr stays on descriptor 2: the launcher prints it when the JVM ends
        }
    }

    /** An unbuffered stream that drops lines starting with given prefixes. */
    static final class LineDropper extends OutputStream {
        private final OutputStream out;
        private final List<byte[]> prefixes;
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        private final ByteArrayOutputStream pass = new ByteArrayOutputStream();
        private boolean lineStart = true;
        private boolean dropping;

        LineDropper(OutputStream out, List<String> prefixes) {
            this.out = out;
            this.prefixes = prefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
        }

        @Override
        public synchronized void write(int b) throws IOException {
            accept((byte) b);
            drain();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                accept(b[off + i]);
            }
            drain();
        }

        private void accept(byte b) {
            if (dropping) {
                if (b == '\n') {
                    dropping = false;
                    lineStart = true;
                }
                return;
            }
            if (!lineStart) {
                pass.write(b);
                lineStart = b == '\n';
                return;
            }
            held.write(b);
            byte[] h = held.toByteArray();
            boolean partial = false;
            for (byte[] p : prefixes) {
                if (startsWith(p, h)) {
                    if (h.length == p.length) {
                        held.reset();
                        dropping = true;
                        return;
                    }
                    partial = true;
                }
            }
            if (!partial) {
                pass.writeBytes(h);
                held.reset();
                lineStart = b == '\n';
            }
        }

        private static boolean startsWith(byte[] p, byte[] h) {
            if (h.length > p.length) {
                return false;
            }
            for (int i = 0; i < h.length; i++) {
                if (p[i] != h[i]) {
                    return false;
                }
            }
            return true;
        }

        private void drain() throws IOException {
            if (pass.size() > 0) {
                pass.writeTo(out);
                pass.reset();
                out.flush();
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            drain();
            out.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            pass.writeBytes(held.toByteArray());
            held.reset();
            drain();
            out.close();
        }
    }
}
