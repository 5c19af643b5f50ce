package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Both chunk layouts cover every element of a row exactly once, for any row length and chunk count. */
class ChunksTest {

    @Test
    void everyElementBelongsToExactlyOneChunk() {
        for (int layout : new int[] {Chunks.CONTIGUOUS, Chunks.STRIDED}) {
            for (long n = 0; n <= 70; n++) {
                for (int chunks = 1; chunks <= 11; chunks++) {
                    int[] seen = new int[(int) n];
                    long total = 0;
                    for (int c = 0; c < chunks; c++) {
                        long start = Chunks.start(n, chunks, c, layout);
                        long step = Chunks.step(chunks, layout);
                        long count = Chunks.count(n, chunks, c, layout);
                        total += count;
                        for (long k = 0; k < count; k++) {
                            seen[(int) (start + k * step)]++;
                        }
                    }
                    assertEquals(n, total, "layout " + layout + " n " + n + " chunks " + chunks);
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen[i], "element " + i + ", layout " + layout + " n " + n + " chunks " + chunks);
                    }
                }
            }
        }
    }

    @Test
    void theGridRunnerVisitsEveryItemOnceInOrder() {
        int[] order = new int[7];
        int[] next = {0};
        Grid.run(7, item -> order[next[0]++] = item);
        assertEquals(7, next[0]);
        for (int i = 0; i < 7; i++) {
            assertEquals(i, order[i]);
        }
    }
}
