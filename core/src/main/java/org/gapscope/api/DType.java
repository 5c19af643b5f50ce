package org.gapscope.api;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element types a {@link Tensor} holds. Data is little-endian, as .npy and safetensors store it. */
public enum DType {
    F32(4), F64(8);

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }
}
