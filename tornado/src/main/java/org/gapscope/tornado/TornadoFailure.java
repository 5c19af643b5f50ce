package org.gapscope.tornado;

import org.gapscope.api.DeviceInfo;

/**
 * TornadoVM could not run an op on the device (a bailout: the task did not compile for it; or a
 * device or driver error). gapscope never falls back to another backend: the op fails with this
 * error, which names the op, the device and TornadoVM's reason.
 */
public final class TornadoFailure extends RuntimeException {
    public TornadoFailure(String op, DeviceInfo device, Throwable cause) {
        super("tornado: " + op + " failed on device " + device.id() + " (" + device.name() + "): "
                + reason(cause) + ". No fallback to another backend is taken; run with --backend cpu to compute on"
                + " the host, or -Dtornado.debug=True for TornadoVM's log", cause);
    }

    static String reason(Throwable t) {
        StringBuilder sb = new StringBuilder();
        boolean bailout = false;
        for (Throwable c = t; c != null && sb.length() < 400; c = c.getCause() == c ? null : c.getCause()) {
            bailout |= c.getClass().getSimpleName().contains("Bailout");
            String m = c.getMessage() == null ? c.getClass().getSimpleName()
                    : c.getClass().getSimpleName() + ": " + c.getMessage().replace('\n', ' ').trim();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : "; caused by ").append(m);
            }
        }
        return (bailout ? "TornadoVM bailed out (the task did not compile or run on this device): " : "") + sb;
    }
}
