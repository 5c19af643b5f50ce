package org.gapscope.api;

/**
 * Choices a caller makes for a backend, passed as a value ({@link Backends#select(String, BackendOptions)},
 * {@link Backend#configured}) instead of through global state.
 *
 * @param device the device to run on, in the backend's own notation (tornado: DRIVER:DEVICE as
 *               {@code gapscope devices} lists them); null for the backend's default
 */
public record BackendOptions(String device) {
    /** No choices: every backend's defaults. */
    public static final BackendOptions DEFAULTS = new BackendOptions(null);
}
