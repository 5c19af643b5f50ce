package org.gapscope.io;

import java.nio.file.Path;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;

/** Opens a tensor file by its extension. */
public final class TensorFiles {
    private TensorFiles() {}

    /**
     * Reads .npy (tensorName must be null) or .safetensors (tensorName picks the tensor; null takes the only
     * one). Both are memory-mapped; F16/BF16 safetensors are converted to F32 off the heap.
     */
    public static Tensor read(Path file, String tensorName) {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new InputException(file + ": is a directory, not a tensor file (expected .npy or .safetensors)");
        }
        String n = file.getFileName().toString().toLowerCase();
        if (n.endsWith(".npy")) {
            if (tensorName != null) {
                throw new InputException(file + ": --tensor applies to safetensors files, not .npy");
            }
            return Npy.read(file);
        }
        if (n.endsWith(".safetensors")) {
            return Safetensors.read(file, tensorName);
        }
        throw new InputException(file + ": unknown file type (expected .npy or .safetensors)");
    }
}
