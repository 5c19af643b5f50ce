package org.gapscope.kernels;

/**
 * The sequential grid runner: calls a body once for every work-item index 0..items-1, in order. Tests
 * run the bodies through it, so they run exactly the code that a TornadoVM task compiles as
 * {@code for (@Parallel int item = 0; item < items; item++) Body.op(item, ...)}. The runner itself is
 * host code (it takes an object), never part of a body.
 */
public final class Grid {
    private Grid() {}

    /** One work-item of a body, bound to its arguments by a lambda. */
    @FunctionalInterface
    public interface Item {
        void run(int item);
    }

    /** Runs {@code body} for item = 0, 1, ..., items - 1. */
    public static void run(int items, Item body) {
        for (int item = 0; item < items; item++) {
            body.run(item);
        }
    }
}
