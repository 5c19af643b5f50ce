package org.gapscope.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A dense row-major tensor: an element type, a shape and a {@link MemorySegment} with the data.
 * Offsets are longs, so B*H*V may exceed 2^31 elements; the segment may live on the heap (wrapping a
 * primitive array), off-heap, or be a memory-mapped file. Immutable by convention: backends read it.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;

    public Tensor(DType dtype, MemorySegment data, long... shape) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new InputException("tensor shape " + Arrays.toString(shape) + " has a negative size");
            }
            n = Math.multiplyExact(n, d);
        }
        if (data.byteSize() < n * dtype.bytes) {
            throw new InputException("tensor of shape " + Arrays.toString(shape) + " needs " + n * dtype.bytes
                    + " bytes of data but has " + data.byteSize());
        }
    }

    public static Tensor of(float[] values, long... shape) {
        return new Tensor(DType.F32, MemorySegment.ofArray(values), shape);
    }

    public static Tensor of(double[] values, long... shape) {
        return new Tensor(DType.F64, MemorySegment.ofArray(values), shape);
    }

    /** A zero tensor off the heap, freed when unreachable. */
    public static Tensor zeros(DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return new Tensor(dtype, Arena.ofAuto().allocate(Math.max(1, n) * dtype.bytes, 8), shape);
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension i; negative i counts from the end. */
    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public MemorySegment segment() {
        return data;
    }

    public double get(long i) {
        return dtype == DType.F32 ? data.getAtIndex(DType.FLOAT, i) : data.getAtIndex(DType.DOUBLE, i);
    }

    public float getFloat(long i) {
        return dtype == DType.F32 ? data.getAtIndex(DType.FLOAT, i) : (float) data.getAtIndex(DType.DOUBLE, i);
    }

    public void set(long i, double v) {
        if (dtype == DType.F32) {
            data.setAtIndex(DType.FLOAT, i, (float) v);
        } else {
            data.setAtIndex(DType.DOUBLE, i, v);
        }
    }

    /** Copies src's elements (same size) into this tensor, converting to its dtype; returns this. */
    public Tensor copyFrom(Tensor src) {
        if (src.size() != size()) {
            throw new IllegalArgumentException("copyFrom: " + src.size() + " elements into " + size());
        }
        if (src.dtype == dtype) {
            MemorySegment.copy(src.data, 0, data, 0, size() * dtype.bytes);
        } else {
            for (long i = 0; i < size(); i++) {
                set(i, src.get(i));
            }
        }
        return this;
    }

    /** Copies elements [from, from + n) into a new double array (n must fit an array). */
    public double[] toDoubles(long from, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = get(from + i);
        }
        return out;
    }

    /** Copies elements [from, from + n) into a new float array. */
    public float[] toFloats(long from, int n) {
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, DType.FLOAT, from * 4, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) data.getAtIndex(DType.DOUBLE, from + i);
            }
        }
        return out;
    }

    public double[] toDoubles() {
        return toDoubles(0, Math.toIntExact(size()));
    }

    /** The same data seen with another shape of equal size. */
    public Tensor reshape(long... newShape) {
        return new Tensor(dtype, data, newShape);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype;
    }
}
