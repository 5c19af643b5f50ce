package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.host.KernelBackend;
import org.gapscope.api.Checks;

/**
 * The cpu backend's matrix product: FP32 with the Vector API, register-tiled, over all cores.
 *
 * <p>B is cut into column panels of {@link #panelWidth()} = NV = 4 vectors; each panel is packed into a
 * contiguous [K][width] block (zero-padded; transposing B when it is given as [N, K]) that stays in
 * the L2 cache while every group of MR = 6 rows of A streams past it. The micro-kernel keeps a 6 x 4 tile of
 * vector accumulators in registers and adds, for k = 0, 1, ..., K - 1 in this order, the fused product
 * A[i, k] * B[k, j] (one FMA per entry and k). So every entry of C is the same sequential FMA chain,
 * whatever the vector width, panel order or number of threads: same bits on every run. Error of an
 * entry: FP32 with FP32 accumulation, |error| &le; K 2^-24 sum_k |A[i, k] B[k, j]| (worst case; random
 * rounding gives ~ sqrt(K) 2^-24), plus the rounding of F64 operands to F32.
 *
 * <p>Work-items are column panels (the launcher runs them over all cores); A is read in place when it
 * is F32 (a memory-mapped or off-heap segment is fine), otherwise rounded once into an F32 copy.
 */
final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int MR = 6;
    static final int NV = 4;

    private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[1][0]);

    static int panelWidth() {
        return NV * FS.length();
    }

    static Tensor multiply(Tensor a, Tensor b, boolean transposeB, Tensor out, KernelBackend.Launcher launcher) {
        int[] s = Checks.matmul(a, b, transposeB, out);
        int m = s[0];
        int k = s[1];
        int n = s[2];
        Tensor a32 = a.dtype() == DType.F32 ? a : Tensor.of(a.toFloats(0, Math.toIntExact(a.size())), m, k);
        boolean direct = out != null && out.dtype() == DType.F32;
        Tensor c = direct ? out : Tensor.zeros(DType.F32, m, n);
        if (m == 0 || n == 0) {
            return c;
        }
        int width = panelWidth();
        int panels = (n + width - 1) / width;
        MemorySegment as = a32.segment();
        MemorySegment cs = c.segment();
        launcher.run(panels, p -> panel(as, b, transposeB, cs, m, k, n, p * width, width));
        if (out != null && !direct) {
            for (long i = 0; i < (long) m * n; i++) {
                out.set(i, c.getFloat(i));
            }
            return out;
        }
        return c;
    }

    /** Columns [j0, j0 + width) of C: pack that panel of B, then every group of MR rows of A. */
    private static void panel(MemorySegment as, Tensor b, boolean transposeB, MemorySegment cs, int m, int k, int n,
                              int j0, int width) {
        int cols = Math.min(width, n - j0);
        float[][] holder = PANEL.get();
        if (holder[0].length < k * width) {
            holder[0] = new float[k * width];
        }
        float[] bp = holder[0];
        pack(b, transposeB, k, n, j0, cols, width, bp);
        float[] tile = new float[MR * width];
        int lanes = FS.length();
        for (int i0 = 0; i0 < m; i0 += MR) {
            int rows = Math.min(MR, m - i0);
            if (rows == MR) {
                quad(as, (long) i0 * k, k, bp, tile, lanes);
            } else {
                rest(as, (long) i0 * k, k, rows, bp, tile, width);
            }
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(tile, r * width, cs, KernelBackend.FLOAT, ((long) (i0 + r) * n + j0) * 4, cols);
            }
        }
    }

    /** The panel as [k][width] floats, zero beyond column {@code cols}. */
    private static void pack(Tensor b, boolean transposeB, int k, int n, int j0, int cols, int width, float[] bp) {
        MemorySegment bs = b.segment();
        boolean f32 = b.dtype() == DType.F32;
        if (cols < width) {
            java.util.Arrays.fill(bp, 0, k * width, 0f);
        }
        if (transposeB) {
            for (int c = 0; c < cols; c++) {
                long row = (long) (j0 + c) * k;
                for (int kk = 0; kk < k; kk++) {
                    bp[kk * width + c] = f32 ? bs.getAtIndex(KernelBackend.FLOAT, row + kk)
                            : (float) bs.getAtIndex(KernelBackend.DOUBLE, row + kk);
                }
            }
        } else {
            for (int kk = 0; kk < k; kk++) {
                long row = (long) kk * n + j0;
                if (f32) {
                    MemorySegment.copy(bs, KernelBackend.FLOAT, row * 4, bp, kk * width, cols);
                } else {
                    for (int c = 0; c < cols; c++) {
                        bp[kk * width + c] = (float) bs.getAtIndex(KernelBackend.DOUBLE, row + c);
                    }
                }
            }
        }
    }

    /** MR rows of A (from element offset a0, row stride k) times the packed panel, into tile [MR][width]. */
    private static void quad(MemorySegment as, long a0, int k, float[] bp, float[] tile, int lanes) {
        int width = NV * lanes;
        FloatVector c00 = FloatVector.zero(FS), c01 = FloatVector.zero(FS), c02 = FloatVector.zero(FS), c03 = FloatVector.zero(FS), c10 = FloatVector.zero(FS), c11 = FloatVector.zero(FS), c12 = FloatVector.zero(FS), c13 = FloatVector.zero(FS), c20 = FloatVector.zero(FS), c21 = FloatVector.zero(FS), c22 = FloatVector.zero(FS), c23 = FloatVector.zero(FS), c30 = FloatVector.zero(FS), c31 = FloatVector.zero(FS), c32 = FloatVector.zero(FS), c33 = FloatVector.zero(FS), c40 = FloatVector.zero(FS), c41 = FloatVector.zero(FS), c42 = FloatVector.zero(FS), c43 = FloatVector.zero(FS), c50 = FloatVector.zero(FS), c51 = FloatVector.zero(FS), c52 = FloatVector.zero(FS), c53 = FloatVector.zero(FS);
        long r0 = (a0 + 0L * k) * 4;
        long r1 = (a0 + 1L * k) * 4;
        long r2 = (a0 + 2L * k) * 4;
        long r3 = (a0 + 3L * k) * 4;
        long r4 = (a0 + 4L * k) * 4;
        long r5 = (a0 + 5L * k) * 4;
        for (int kk = 0; kk < k; kk++) {
            int o = kk * width;
            FloatVector b0 = FloatVector.fromArray(FS, bp, o + 0 * lanes);
            FloatVector b1 = FloatVector.fromArray(FS, bp, o + 1 * lanes);
            FloatVector b2 = FloatVector.fromArray(FS, bp, o + 2 * lanes);
            FloatVector b3 = FloatVector.fromArray(FS, bp, o + 3 * lanes);
            long ko = 4L * kk;
            FloatVector x;
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r0 + ko));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r1 + ko));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r2 + ko));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r3 + ko));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r4 + ko));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r5 + ko));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        c00.intoArray(tile, 0 * width + 0 * lanes);
        c01.intoArray(tile, 0 * width + 1 * lanes);
        c02.intoArray(tile, 0 * width + 2 * lanes);
        c03.intoArray(tile, 0 * width + 3 * lanes);
        c10.intoArray(tile, 1 * width + 0 * lanes);
        c11.intoArray(tile, 1 * width + 1 * lanes);
        c12.intoArray(tile, 1 * width + 2 * lanes);
        c13.intoArray(tile, 1 * width + 3 * lanes);
        c20.intoArray(tile, 2 * width + 0 * lanes);
        c21.intoArray(tile, 2 * width + 1 * lanes);
        c22.intoArray(tile, 2 * width + 2 * lanes);
        c23.intoArray(tile, 2 * width + 3 * lanes);
        c30.intoArray(tile, 3 * width + 0 * lanes);
        c31.intoArray(tile, 3 * width + 1 * lanes);
        c32.intoArray(tile, 3 * width + 2 * lanes);
        c33.intoArray(tile, 3 * width + 3 * lanes);
        c40.intoArray(tile, 4 * width + 0 * lanes);
        c41.intoArray(tile, 4 * width + 1 * lanes);
        c42.intoArray(tile, 4 * width + 2 * lanes);
        c43.intoArray(tile, 4 * width + 3 * lanes);
        c50.intoArray(tile, 5 * width + 0 * lanes);
        c51.intoArray(tile, 5 * width + 1 * lanes);
        c52.intoArray(tile, 5 * width + 2 * lanes);
        c53.intoArray(tile, 5 * width + 3 * lanes);
    }

    /** Fewer than MR rows: the same FMA chain per entry, one row at a time. */
    private static void rest(MemorySegment as, long a0, int k, int rows, float[] bp, float[] tile, int width) {
        int lanes = FS.length();
        for (int r = 0; r < rows; r++) {
            long ro = (a0 + (long) r * k) * 4;
            for (int v = 0; v < NV; v++) {
                FloatVector acc = FloatVector.zero(FS);
                for (int kk = 0; kk < k; kk++) {
                    FloatVector x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, ro + 4L * kk));
                    acc = x.fma(FloatVector.fromArray(FS, bp, kk * width + v * lanes), acc);
                }
                acc.intoArray(tile, r * width + v * lanes);
            }
        }
    }
}
