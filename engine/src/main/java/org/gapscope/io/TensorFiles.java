package org.gapscope.io;

import java.nio.file.Path;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;

/** Opens a tensor file by its extension. */
public final class TensorFiles {
    private TensorFiles() {}

    /** Reads .npy (tensorName must be null) or safetensors (tensorName picks the tensor). */
    public static Tensor read(Path file, String tensorName) {
        String n = file.getFileName().toString().toLowerCase();
        if (n.endsWith(".npy")) {
            if (tensorName != null) {
                throw new InputException(file + ": --tensor applies to safetensors files, not .npy");
            }
            return Npy.read(file);
        }
        throw new InputException(file + ": unknown file type (expected .npy)");
    }
}
