package org.gapscope.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.gapscope.api.DType;
import org.gapscope.api.Tensor;
import org.gapscope.host.KernelBackend;
import org.gapscope.reference.Matmul;

/**
 * The cpu backend's matrix product: FP32 with the Vector API, register-tiled, over all cores.
 *
 * <p>B is cut into column panels of {@link #panelWidth()} = 3 vectors; each panel is packed into a
 * contiguous [K][width] block (zero-padded; transposing B when it is given as [N, K]) that stays in
 * the L2 cache while every quad of rows of A streams past it. The micro-kernel keeps a 4 x 3 tile of
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
    static final int MR = 4;
    static final int NV = 3;

    private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[1][0]);

    static int panelWidth() {
        return NV * FS.length();
    }

    static Tensor multiply(Tensor a, Tensor b, boolean transposeB, Tensor out, KernelBackend.Launcher launcher) {
        int[] s = Matmul.shape(a, b, transposeB, out);
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

    /** Columns [j0, j0 + width) of C: pack that panel of B, then every quad of rows of A. */
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

    /** Four rows of A (from element offset a0, row stride k) times the packed panel, into tile [4][width]. */
    private static void quad(MemorySegment as, long a0, int k, float[] bp, float[] tile, int lanes) {
        int width = NV * lanes;
        FloatVector c00 = FloatVector.zero(FS), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        long r0 = a0 * 4;
        long r1 = (a0 + k) * 4;
        long r2 = (a0 + 2L * k) * 4;
        long r3 = (a0 + 3L * k) * 4;
        for (int kk = 0; kk < k; kk++) {
            int o = kk * width;
            FloatVector b0 = FloatVector.fromArray(FS, bp, o);
            FloatVector b1 = FloatVector.fromArray(FS, bp, o + lanes);
            FloatVector b2 = FloatVector.fromArray(FS, bp, o + 2 * lanes);
            long ko = 4L * kk;
            FloatVector x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r0 + ko));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r1 + ko));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r2 + ko));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(FS, as.get(KernelBackend.FLOAT, r3 + ko));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, lanes);
        c02.intoArray(tile, 2 * lanes);
        c10.intoArray(tile, width);
        c11.intoArray(tile, width + lanes);
        c12.intoArray(tile, width + 2 * lanes);
        c20.intoArray(tile, 2 * width);
        c21.intoArray(tile, 2 * width + lanes);
        c22.intoArray(tile, 2 * width + 2 * lanes);
        c30.intoArray(tile, 3 * width);
        c31.intoArray(tile, 3 * width + lanes);
        c32.intoArray(tile, 3 * width + 2 * lanes);
    }

    /** Fewer than four rows: the same FMA chain per entry, one row at a time. */
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
