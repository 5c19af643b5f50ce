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
        float[] arows = new float[MR * k];
        for (int i0 = 0; i0 < m; i0 += MR) {
            int rows = Math.min(MR, m - i0);
            MemorySegment.copy(as, KernelBackend.FLOAT, (long) i0 * k * 4, arows, 0, rows * k);
            tile(arows, 0, k, rows, k, bp, 0, width, tile, 0, width, false);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(tile, r * width, cs, KernelBackend.FLOAT, ((long) (i0 + r) * n + j0) * 4, cols);
            }
        }
    }

    /**
     * The panel as [k][width] floats. Columns from {@code cols} on keep what the buffer held: they only
     * give the tile's columns beyond C's edge, which are not copied out.
     */
    private static void pack(Tensor b, boolean transposeB, int k, int n, int j0, int cols, int width, float[] bp) {
        MemorySegment bs = b.segment();
        boolean f32 = b.dtype() == DType.F32;
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

    /**
     * The micro-kernel of the cpu backend's FP32 products (matmul, and attention's Q K^T and P V): for
     * rows &le; {@link #MR} rows of A (float[] from a0, row stride aStride) and a
     * block of B as kLen rows of NV vectors (float[] from bOff, row stride bStride), writes
     * C[r][0, NV lanes) = sum over k = 0..kLen-1, in this order, of the fused product A[r][k] B[k][.]
     * into c (from cOff, row stride cStride); with {@code more}, the chain continues from the values in c
     * instead of 0 (a chain over k cut into pieces has the same bits as one call). MR rows keep MR x NV
     * accumulators in registers; fewer rows run the same FMA chain one row at a time, so every entry has
     * the same bits either way.
     */
    static void tile(float[] as, int a0, int aStride, int rows, int kLen, float[] bp, int bOff, int bStride,
                     float[] c, int cOff, int cStride, boolean more) {
        if (rows == MR) {
            six(as, a0, aStride, kLen, bp, bOff, bStride, c, cOff, cStride, more);
            return;
        }
        int lanes = FS.length();
        for (int r = 0; r < rows; r++) {
            int ro = a0 + r * aStride;
            for (int v = 0; v < NV; v++) {
                int co = cOff + r * cStride + v * lanes;
                FloatVector acc = more ? FloatVector.fromArray(FS, c, co) : FloatVector.zero(FS);
                for (int kk = 0; kk < kLen; kk++) {
                    FloatVector x = FloatVector.broadcast(FS, as[ro + kk]);
                    acc = x.fma(FloatVector.fromArray(FS, bp, bOff + kk * bStride + v * lanes), acc);
                }
                acc.intoArray(c, co);
            }
        }
    }

    /** {@link #tile} for MR = 6 rows: a 6 x 4 tile of vector accumulators. */
    private static void six(float[] as, int a0, int aStride, int kLen, float[] bp, int bOff, int bStride,
                            float[] c, int cOff, int cStride, boolean more) {
        int lanes = FS.length();
        int l2 = 2 * lanes;
        int l3 = 3 * lanes;
        FloatVector z = FloatVector.zero(FS);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z, c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z, c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
        if (more) {
            int o = cOff;
            c00 = ld(c, o); c01 = ld(c, o + lanes); c02 = ld(c, o + l2); c03 = ld(c, o + l3);
            o += cStride;
            c10 = ld(c, o); c11 = ld(c, o + lanes); c12 = ld(c, o + l2); c13 = ld(c, o + l3);
            o += cStride;
            c20 = ld(c, o); c21 = ld(c, o + lanes); c22 = ld(c, o + l2); c23 = ld(c, o + l3);
            o += cStride;
            c30 = ld(c, o); c31 = ld(c, o + lanes); c32 = ld(c, o + l2); c33 = ld(c, o + l3);
            o += cStride;
            c40 = ld(c, o); c41 = ld(c, o + lanes); c42 = ld(c, o + l2); c43 = ld(c, o + l3);
            o += cStride;
            c50 = ld(c, o); c51 = ld(c, o + lanes); c52 = ld(c, o + l2); c53 = ld(c, o + l3);
        }
        int r0 = a0;
        int r1 = a0 + aStride;
        int r2 = a0 + 2 * aStride;
        int r3 = a0 + 3 * aStride;
        int r4 = a0 + 4 * aStride;
        int r5 = a0 + 5 * aStride;
        for (int kk = 0; kk < kLen; kk++) {
            int o = bOff + kk * bStride;
            FloatVector b0 = FloatVector.fromArray(FS, bp, o);
            FloatVector b1 = FloatVector.fromArray(FS, bp, o + lanes);
            FloatVector b2 = FloatVector.fromArray(FS, bp, o + 2 * lanes);
            FloatVector b3 = FloatVector.fromArray(FS, bp, o + 3 * lanes);
            FloatVector x = FloatVector.broadcast(FS, as[r0 + kk]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(FS, as[r1 + kk]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(FS, as[r2 + kk]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(FS, as[r3 + kk]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(FS, as[r4 + kk]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(FS, as[r5 + kk]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        int o = cOff;
        c00.intoArray(c, o); c01.intoArray(c, o + lanes); c02.intoArray(c, o + l2); c03.intoArray(c, o + l3);
        o += cStride;
        c10.intoArray(c, o); c11.intoArray(c, o + lanes); c12.intoArray(c, o + l2); c13.intoArray(c, o + l3);
        o += cStride;
        c20.intoArray(c, o); c21.intoArray(c, o + lanes); c22.intoArray(c, o + l2); c23.intoArray(c, o + l3);
        o += cStride;
        c30.intoArray(c, o); c31.intoArray(c, o + lanes); c32.intoArray(c, o + l2); c33.intoArray(c, o + l3);
        o += cStride;
        c40.intoArray(c, o); c41.intoArray(c, o + lanes); c42.intoArray(c, o + l2); c43.intoArray(c, o + l3);
        o += cStride;
        c50.intoArray(c, o); c51.intoArray(c, o + lanes); c52.intoArray(c, o + l2); c53.intoArray(c, o + l3);
    }

    private static FloatVector ld(float[] c, int o) {
        return FloatVector.fromArray(FS, c, o);
    }
}
