package org.gapscope.tests;

/**
 * A deliberately bad "kernel body": every construct here is one TornadoVM miscompiles or rejects. The
 * bytecode check must report each of them (KernelBodiesBytecodeTest). Never called.
 */
final class BadBody {
    private BadBody() {}

    static int counter;                     // mutable static field
    static final double[] TABLE = {1, 2};   // static final table (a static initialiser)

    static int unsignedShift(int x) {
        return x >>> 3;
    }

    static long toLong(double x) {
        return (long) x;
    }

    static double infinity() {
        return Double.NEGATIVE_INFINITY;
    }

    static double floor(double x) {
        return Math.floor(x) + Math.log1p(x) + Math.fma(x, x, x);
    }

    static int absInt(int x) {
        return Math.abs(x) + Integer.numberOfLeadingZeros(x);
    }

    static boolean nan(double x) {
        return Double.isNaN(x);
    }

    static void fail(int x) {
        if (x < 0) {
            throw new IllegalArgumentException("negative");
        }
    }

    static Object allocate() {
        return new Object();
    }

    static int readCounter() {
        return counter + (int) TABLE[0];
    }

    static int recurse(int n) {
        return n <= 0 ? 0 : recurse(n - 1) + 1;
    }

    static int ping(int n) {
        return n <= 0 ? 0 : pong(n - 1);
    }

    static int pong(int n) {
        return ping(n);
    }

    static int virtualCall(String s) {
        return s.length();
    }

    static synchronized void locked() {
        counter = 1;
    }
}
