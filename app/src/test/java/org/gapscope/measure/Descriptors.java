package org.gapscope.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Open file descriptors of this JVM (Linux: /proc/self/fd), to check that files are closed. */
final class Descriptors {
    private Descriptors() {}

    static final Path FD = Path.of("/proc/self/fd");

    /** How many descriptors of this process refer to {@code file}. */
    static long on(Path file) throws IOException {
        Path target = file.toRealPath();
        try (Stream<Path> fds = Files.list(FD)) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException e) {
                    return false; // the listing's own descriptor, already closed
                }
            }).count();
        }
    }
}
