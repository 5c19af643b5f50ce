package org.gapscope.api;

/**
 * A device backend could not run an op on its device (a kernel the device's compiler rejects, a driver
 * error). Neither bad input nor a bug in gapscope: the CLI prints the message as one line and exits with
 * its own code ({@code 4}), and shows {@link #detail()} (the device's full log) only with --debug. No
 * backend falls back to another one after this error.
 */
public class DeviceException extends RuntimeException {
    private final String detail;

    /**
     * @param message one line naming the op, the device and the first error
     * @param detail  everything the device stack reported (compiler log, driver messages), for --debug
     */
    public DeviceException(String message, String detail, Throwable cause) {
        super(message, cause);
        this.detail = detail == null ? "" : detail;
    }

    /** The device's full report, possibly many lines. */
    public String detail() {
        return detail;
    }
}
