package org.gapscope.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.gapscope.api.Backends;
import org.gapscope.cli.Main;
import org.junit.jupiter.api.Test;

/**
 * Without TornadoVM (the default build), {@code --backend tornado} is one line of advice on how to get
 * it, and {@code devices} lists tornado as not in this build. With the tornado profile the backend is
 * registered instead and these checks do not apply.
 */
class TornadoAdviceTest {

    static boolean tornadoRegistered() {
        return Backends.all().stream().anyMatch(b -> b.name().equals("tornado"));
    }

    @Test
    void backendTornadoWithoutTornadoVmSaysHowToInstallIt() {
        assumeTrue(!tornadoRegistered(), "the tornado backend is in this build");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "lse", "--backend", "tornado", "--batch", "1", "--vocab", "8"},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(Main.EXIT_INPUT, code);
        String e = err.toString().trim();
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertTrue(e.contains("--backend tornado") && e.contains("TORNADOVM_HOME") && e.contains("-Ptornado"), e);
    }

    @Test
    void devicesListsTornadoAsNotInThisBuild() {
        assumeTrue(!tornadoRegistered(), "the tornado backend is in this build");
        StringWriter out = new StringWriter();
        int code = Main.run(new String[] {"devices", "--format", "json"}, new PrintWriter(out),
                new PrintWriter(new StringWriter()));
        assertEquals(0, code);
        assertTrue(out.toString().contains("\"name\" : \"tornado\"") && out.toString().contains("TORNADOVM_HOME"),
                out.toString());
    }
}
