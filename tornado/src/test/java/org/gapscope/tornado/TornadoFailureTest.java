package org.gapscope.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gapscope.api.DeviceInfo;
import org.junit.jupiter.api.Test;

/** The one line a device failure ends with, built from what TornadoVM reports (no device needed). */
class TornadoFailureTest {
    static final DeviceInfo DEVICE = new DeviceInfo("0:0", "OPENCL", "pthread-skylake", "CPU", 1L << 30, true, true);

    static final String BAILOUT = "\u001B[31mBailout is disabled. \nReason: \u001B[31mUnable to compile task lse1.partial"
            + " - lsePartialF32\nThe internal error is: \u001B[31mError during code compilation with the OpenCL driver"
            + "\u001B[0m\nStacktrace: [" + "tornado.drivers.opencl/uk.ac.manchester.X.installSource(X.java:613), ".repeat(40) + "]";

    @Test
    void aRejectedKernelNamesTheOpTheDeviceAndTheCompilersFirstError() {
        String log = "[TornadoVM-OCL-JNI] ERROR : clBuildProgram -> Returned: -43\n\n"
                + "[ERROR] TornadoVM JIT Compiler - OpenCL Build Error Log:\n\n"
                + "<source>:12:5: error: use of undeclared identifier 'q'\n<source>:14:1: error: expected ';'\n";
        TornadoFailure f = new TornadoFailure("jensenGap", DEVICE, new RuntimeException(BAILOUT), log);
        String m = f.getMessage();
        assertTrue(m.length() <= TornadoFailure.MAX_LINE, m.length() + ": " + m);
        assertFalse(m.contains("\n") || m.contains("\u001B") || m.contains("Stacktrace"), m);
        assertTrue(m.startsWith("tornado: jensenGap failed on device 0:0 (pthread-skylake): "), m);
        assertTrue(m.contains("task lse1.partial") && m.contains("<source>:12:5: error: use of undeclared identifier 'q'")
                && !m.contains("expected ';'"), m);
        assertTrue(f.detail().contains("clBuildProgram -> Returned: -43") && f.detail().contains("expected ';'")
                && !f.detail().contains("\u001B"), f.detail());
    }

    @Test
    void aBuildLogWithoutTheWordErrorGivesItsFirstLine() {
        String log = "[ERROR] TornadoVM JIT Compiler - OpenCL Build Error Log:\n\nInvalid build option: -cl-no-such-option\n";
        String m = new TornadoFailure("logSumExp", DEVICE, new RuntimeException(BAILOUT), log).getMessage();
        assertTrue(m.contains("the device compiler rejected task lse1.partial: Invalid build option: -cl-no-such-option"), m);
    }

    @Test
    void otherFailuresGiveTheInnermostReasonCutToOneLine() {
        RuntimeException deep = new RuntimeException("outer", new IllegalStateException("x".repeat(1000) + "\nsecond"));
        String m = new TornadoFailure("attention", DEVICE, deep, "").getMessage();
        assertEquals(TornadoFailure.MAX_LINE, m.length(), m);
        assertTrue(m.contains("IllegalStateException: xxx") && m.contains("...") && !m.contains("second"), m);
    }
}
