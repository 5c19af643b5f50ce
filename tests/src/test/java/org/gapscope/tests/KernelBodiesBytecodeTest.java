package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.gapscope.kernels.LogSumExp;
import org.junit.jupiter.api.Test;

/**
 * Keeps every kernel body compilable by TornadoVM without running TornadoVM: the compiled classes of
 * org.gapscope.kernels (except the host-side grid runner) must contain none of the constructs listed in
 * {@link BodyChecker}, and a deliberately bad class must be rejected for each of them.
 */
class KernelBodiesBytecodeTest {

    /** Class files of package org.gapscope.kernels, from its jar or classes directory. */
    static List<byte[]> kernelClasses() throws IOException, URISyntaxException {
        Path location = Path.of(LogSumExp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<byte[]> out = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location.resolve("org/gapscope/kernels"))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                    if (!isHostClass(p.getFileName().toString())) {
                        out.add(Files.readAllBytes(p));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    String name = e.getName();
                    if (name.startsWith("org/gapscope/kernels/") && name.endsWith(".class")
                            && !isHostClass(name.substring(name.lastIndexOf('/') + 1))) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.add(in.readAllBytes());
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The grid runner and its functional interface are host code that calls bodies, not bodies. */
    static boolean isHostClass(String fileName) {
        return fileName.startsWith("Grid");
    }

    static byte[] testClass(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void everyKernelBodyKeepsToTheSubsetTornadoVmCompiles() throws Exception {
        List<byte[]> classes = kernelClasses();
        assertTrue(classes.size() >= 8, "found only " + classes.size() + " kernel classes");
        List<String> violations = BodyChecker.check(classes);
        assertEquals(List.of(), violations, "kernel bodies use constructs TornadoVM cannot compile");
    }

    @Test
    void aDeliberatelyBadBodyIsRejectedForEveryConstruct() throws Exception {
        List<String> v = BodyChecker.check(List.of(testClass(BadBody.class)));
        String all = String.join("\n", v);
        String[] expected = {
            "counter: mutable static field",
            "<clinit>", "IUSHR", "D2L", "constant -Infinity", "java/lang/Math.floor", "java/lang/Math.log1p",
            "java/lang/Math.fma", ".abs(I)I", "Integer.numberOfLeadingZeros", "java/lang/Double.isNaN",
            "ATHROW", "NEW", "GETSTATIC org/gapscope/tests/BadBody.counter", "GETSTATIC org/gapscope/tests/BadBody.TABLE",
            "recurse(I)I: recursion", "recursion (call cycle", "INVOKEVIRTUAL java/lang/String.length",
            "PUTSTATIC", "locked()V: synchronized"};
        for (String e : expected) {
            assertTrue(all.contains(e), "bad body not rejected for '" + e + "'; violations:\n" + all);
        }
        // ping -> pong -> ping is one cycle, found once per entry point at most
        assertTrue(v.stream().anyMatch(s -> s.contains("ping") && s.contains("recursion")), all);
    }

    @Test
    void theCheckerAcceptsTheHelpersBodiesCall() throws Exception {
        // Laws and Philox are bodies too (crowding calls them): they must be among the checked classes.
        List<String> names = new ArrayList<>();
        for (byte[] b : kernelClasses()) {
            names.add(java.lang.classfile.ClassFile.of().parse(b).thisClass().asInternalName());
        }
        assertTrue(names.contains("org/gapscope/kernels/Laws") && names.contains("org/gapscope/kernels/Philox")
                && names.contains("org/gapscope/kernels/Crowding"), names.toString());
    }
}
