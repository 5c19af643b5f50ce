package org.gapscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job: {@code gapscope study} writes every step's data, manifest and plots, and resumes. */
class StudyTest {
    @TempDir
    Path dir;

    @Test
    void studyWritesEveryStepAndResumes() throws Exception {
        Path out = dir.resolve("study");
        CliTest.Run r = CliTest.run("study", "--small", "--out", out.toString(), "--progress", "off", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = Json.MAPPER.readTree(r.out());
        assertEquals(StudyCommand.steps().size(), root.get("steps").size());
        for (JsonNode s : root.get("steps")) {
            assertTrue(!s.get("interrupted").asBoolean());
            for (JsonNode f : s.get("files")) {
                assertTrue(Files.size(Path.of(f.asText())) > 0, f.asText());
            }
        }
        assertTrue(Files.exists(out.resolve("micro/points.csv")));
        assertTrue(Files.exists(out.resolve("sweep-gap/gamma-vs-V.png")));
        assertEquals("complete", Json.MAPPER.readTree(out.resolve("manifest.json").toFile()).get("status").asText());
        assertTrue(Json.MAPPER.readTree(out.resolve("summary.json").toFile()).get("steps").size() >= 2);
        // the micro step's data: 16 printed numbers, each once
        assertEquals(1 + 16, Files.readAllLines(out.resolve("micro/points.csv")).size());
        // the crowding step: 6 N x 2 mitigations, and its plot
        assertEquals(1 + 12, Files.readAllLines(out.resolve("crowding/points.csv")).size());
        assertTrue(Files.size(out.resolve("crowding/crowding-gaussian_0.0_1.0.png")) > 0);

        String sweep = Files.readString(out.resolve("sweep-gap/points.jsonl"));
        CliTest.Run again = CliTest.run("study", "--small", "--out", out.toString(), "--progress", "off");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("sweep-gap") && again.out().contains(out.toString()), again.out());
        for (String line : again.out().lines().toList()) {
            assertTrue(line.length() <= Main.USAGE_WIDTH || line.contains(out.toString()), line.length() + ": " + line);
        }
        // the crowding step's mean-field claim says which rows it covers
        String flat = again.out().replaceAll("\\s+", " ");
        assertTrue(flat.contains("Plain-softmax rows with N >= 100 e^(sigma^2)")
                && flat.contains("scalable-softmax rows are not covered"), again.out());
        assertEquals(sweep, Files.readString(out.resolve("sweep-gap/points.jsonl")), "resumed, nothing recomputed");
        assertEquals(1, Json.MAPPER.readTree(out.resolve("sweep-gap/manifest.json").toFile()).get("resumes").size());
    }
}
