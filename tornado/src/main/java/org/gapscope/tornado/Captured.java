package org.gapscope.tornado;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Runs a TornadoVM call while keeping what TornadoVM prints off the user's stdout. TornadoVM's OpenCL JNI
 * layer prints failures such as {@code clBuildProgram -> Returned: -43} with C's printf on file
 * descriptor 1, and its Java side prints the device compiler's build log; on stdout either would break
 * {@code --format json}. During the call, descriptor 1 is pointed at a temporary file (libc's dup/dup2
 * through the FFM API; C's stdio buffers are flushed before and after) and System.out/System.err at
 * buffers. Afterwards everything captured is returned as text: on success it goes to stderr, on failure
 * into the error's --debug report. Where the native calls are not available, only the Java streams are
 * captured.
 */
final class Captured {
    private Captured() {}

    /** The value of a call and what was printed during it. */
    record Result<T>(T value, RuntimeException failure, Error error, String printed) {}

    private static final MethodHandle DUP;
    private static final MethodHandle DUP2;
    private static final MethodHandle CLOSE;
    private static final MethodHandle CREAT;
    private static final MethodHandle FFLUSH;

    static {
        MethodHandle dup = null;
        MethodHandle dup2 = null;
        MethodHandle close = null;
        MethodHandle creat = null;
        MethodHandle fflush = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            dup = linker.downcallHandle(libc.find("dup").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            dup2 = linker.downcallHandle(libc.find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            close = linker.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            creat = linker.downcallHandle(libc.find("creat").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            fflush = linker.downcallHandle(libc.find("fflush").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        } catch (RuntimeException | LinkageError e) {
            dup = null; // no libc (or no native access): Java streams only
        }
        DUP = dup;
        DUP2 = dup2;
        CLOSE = close;
        CREAT = creat;
        FFLUSH = fflush;
    }

    /** Runs {@code call}; never throws what the call throws, but returns it. */
    static synchronized <T> Result<T> run(Supplier<T> call) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream javaText = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(javaText, true, StandardCharsets.UTF_8);
        Path file = null;
        int saved = -1;
        out.flush();
        err.flush();
        try {
            if (DUP != null) {
                file = Files.createTempFile("gapscope-tornado-stdout", ".txt");
                try (Arena arena = Arena.ofConfined()) {
                    fflush();
                    int fd = (int) CREAT.invokeExact(arena.allocateFrom(file.toString()), 0600);
                    if (fd >= 0) {
                        saved = (int) DUP.invokeExact(1);
                        if (saved >= 0 && (int) DUP2.invokeExact(fd, 1) < 0) {
                            int ignored = (int) CLOSE.invokeExact(saved);
                            saved = -1;
                        }
                        int ignored = (int) CLOSE.invokeExact(fd);
                    }
                }
            }
        } catch (Throwable t) {
            saved = -1; // keep descriptor 1 as it is
        }
        System.setOut(capture);
        System.setErr(capture);
        T value = null;
        RuntimeException failure = null;
        Error error = null;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            error = e;
        } finally {
            System.setOut(out);
            System.setErr(err);
            if (saved >= 0) {
                try {
                    fflush();
                    int ignored = (int) DUP2.invokeExact(saved, 1);
                    ignored = (int) CLOSE.invokeExact(saved);
                } catch (Throwable t) {
                    // descriptor 1 stays on the file: nothing sensible is left to do
                }
            }
        }
        StringBuilder printed = new StringBuilder();
        if (file != null) {
            try {
                printed.append(Files.readString(file, StandardCharsets.UTF_8));
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the native output is lost; the Java side is kept
            }
        }
        printed.append(javaText.toString(StandardCharsets.UTF_8));
        return new Result<>(value, failure, error, printed.toString());
    }

    private static void fflush() throws Throwable {
        int ignored = (int) FFLUSH.invokeExact(MemorySegment.NULL);
    }
}
