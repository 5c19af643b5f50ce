package org.gapscope.api;

/**
 * One device a backend can run on, as {@code gapscope devices} lists it.
 *
 * @param id          how to select it with {@code --device} (for tornado: driver:device, e.g. 0:0)
 * @param driver      the driver or platform (e.g. OpenCL, PTX, SPIR-V with its platform name)
 * @param name        the device's name
 * @param type        CPU, GPU, ACCELERATOR, ...
 * @param memoryBytes global memory of the device
 * @param fp64        whether the device computes in IEEE double precision
 * @param selected    whether the backend runs on this device now
 */
public record DeviceInfo(String id, String driver, String name, String type, long memoryBytes, boolean fp64,
                         boolean selected) {}
