package org.gapscope.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.gapscope.api.InputException;
import org.gapscope.api.Tensor;

/**
 * A Hugging Face checkpoint directory: {@code config.json} and the weights, either one
 * {@code model.safetensors} or shards named by {@code model.safetensors.index.json} ("weight_map":
 * tensor name to shard file). Every shard is memory-mapped once ({@link Safetensors#open}); tensors
 * are views of the mappings (F32/F64) or converted to F32 off the heap (F16/BF16), never copied whole
 * onto the heap.
 */
public final class Checkpoint {
    public static final String CONFIG = "config.json";
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode config;
    /** tensor name -> shard file name */
    private final Map<String, String> weightMap = new LinkedHashMap<>();
    private final Map<String, Safetensors.Mapped> shards = new LinkedHashMap<>();
    /** Tensors held in memory (a generated model), or null for a directory on disk. */
    private Map<String, Tensor> memory;

    private Checkpoint(Path dir, JsonNode config) {
        this.dir = dir;
        this.config = config;
    }

    /** Opens the directory: reads config.json and the weights' headers (maps the shards). */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException("--checkpoint " + dir + ": no such directory");
        }
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new InputException("--checkpoint " + dir + ": no " + CONFIG + " (a Hugging Face checkpoint holds "
                    + CONFIG + " and " + SINGLE + " or " + INDEX + " with its shards)");
        }
        Checkpoint c = new Checkpoint(dir, readJson(cfg));
        if (!c.config.isObject()) {
            throw new InputException(cfg + ": not a JSON object");
        }
        Path index = dir.resolve(INDEX);
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(index)) {
            JsonNode map = readJson(index).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new InputException(index + ": no \"weight_map\" object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new InputException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
                }
                c.weightMap.put(e.getKey(), e.getValue().asText());
            }
        } else if (Files.isRegularFile(single)) {
            for (String name : Safetensors.open(single).entries().keySet()) {
                c.weightMap.put(name, SINGLE);
            }
        } else {
            throw new InputException("--checkpoint " + dir + ": no weights (" + SINGLE + " or " + INDEX + ")");
        }
        return c;
    }

    /**
     * A checkpoint held in memory: a config and tensors by name (benchmarks generate random weights of a
     * real model's shapes this way); {@code label} stands for the directory in messages.
     */
    public static Checkpoint inMemory(Path label, JsonNode config, Map<String, Tensor> tensors) {
        Checkpoint c = new Checkpoint(label, config);
        c.memory = new LinkedHashMap<>(tensors);
        for (String name : tensors.keySet()) {
            c.weightMap.put(name, "memory");
        }
        return c;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InputException(file + ": not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage());
        }
    }

    public Path dir() {
        return dir;
    }

    public JsonNode config() {
        return config;
    }

    public Set<String> names() {
        return java.util.Collections.unmodifiableSet(weightMap.keySet());
    }

    public boolean has(String name) {
        return weightMap.containsKey(name);
    }

    /**
     * The tensor {@code name}, which must have the given shape.
     *
     * @throws InputException naming the tensor when it is missing or its shape differs (both shapes)
     */
    public Tensor tensor(String name, long... shape) {
        String file = weightMap.get(name);
        if (file == null) {
            throw new InputException("--checkpoint " + dir + ": tensor '" + name + "' is missing");
        }
        Tensor t;
        if (memory != null) {
            t = memory.get(name);
        } else {
            Safetensors.Mapped m = shards.computeIfAbsent(file, f -> Safetensors.open(dir.resolve(f)));
            t = m.tensor(name);
            if (t == null) {
                throw new InputException(m.file() + ": tensor '" + name + "' is missing (the index names this file)");
            }
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new InputException("--checkpoint " + dir + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }
}
