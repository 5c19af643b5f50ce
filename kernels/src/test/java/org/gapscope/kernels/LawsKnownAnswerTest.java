package org.gapscope.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers of {@link Laws#draw}: exact draws per law, for seeds and indices above 2^32 (the key's
 * and the counter's high words), both members of a Gaussian pair, two repetitions, and Student-t draws
 * that need one or more redraws. The expected values come from an independent implementation
 * (kernels/src/test/python/laws_kat.py: Philox-4x32-10 in Python integers, checked against Random123's
 * vectors, and the laws in Python's math), run once; its output is the resource {@value #CASES}, one
 * case a row: law, a, b, c, seed, index, repetition, expected draw, and how many Student-t redraws it
 * took.
 *
 * <p>Tolerance: the uniforms are exact on both sides (integers below 2^53 times a power of two), so the
 * draws may differ only through log, sqrt, cos, sin and pow, each within 1 ulp in java.lang.Math and in
 * the C library. Student-t's w^(-2/c) - 1 cancels for w near 1 and amplifies pow's error by
 * w^(-2/c) / (w^(-2/c) - 1), below 200 for these draws (w &lt; 0.991): a few hundred ulp at most, so
 * 1e-12 relative (about 4500 ulp) holds for any conforming libm, while a changed stream (another draw,
 * |dx| ~ 1) or changed arithmetic moves a draw by far more.
 */
class LawsKnownAnswerTest {

    /** The known answers (a test resource of this module). */
    static final String CASES = "/laws-kat.csv";

    record Case(int law, double a, double b, double c, long seed, long index, int rep, double expected) {}

    /** The rows of {@link #CASES}; the last column (redraws) documents the case and is not read. */
    static List<Case> cases() throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                LawsKnownAnswerTest.class.getResourceAsStream(CASES), StandardCharsets.UTF_8))) {
            return r.lines().skip(1).map(line -> {
                String[] f = line.split(",");
                return new Case(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Integer.parseInt(f[6]),
                        Double.parseDouble(f[7]));
            }).toList();
        }
    }

    @Test
    void drawsMatchTheIndependentImplementation() throws IOException {
        int[] scratch = new int[7];
        int checked = 0;
        for (Case k : cases()) {
            double x = Laws.draw(k.index(), k.rep(), k.seed(), k.law(), k.a(), k.b(), k.c(), scratch, 3);
            assertEquals(k.expected(), x, 1e-12 * Math.max(1.0, Math.abs(k.expected())), "draw " + k);
            checked++;
        }
        assertTrue(checked >= 240, "cases " + checked);
    }

    /** Laws.normal is the Gaussian law with a = 0, b = 1, bit for bit: pinned on the same known answers. */
    @Test
    void normalIsTheStandardGaussianDraw() throws IOException {
        int[] scratch = new int[4];
        int checked = 0;
        for (Case k : cases()) {
            if (k.law() != Laws.GAUSSIAN) {
                continue;
            }
            double standard = (k.expected() - 1.0) / 2.0; // the table's Gaussian has a = 1, b = 2
            double x = Laws.normal(k.index(), k.rep(), k.seed(), scratch, 0);
            assertEquals(Laws.draw(k.index(), k.rep(), k.seed(), Laws.GAUSSIAN, 0, 1, 0, scratch, 0), x, 0.0,
                    "normal " + k.index());
            assertEquals(standard, x, 1e-12 * Math.max(1.0, Math.abs(standard)),
                    "normal " + k.seed() + " " + k.index() + " " + k.rep());
            checked++;
        }
        assertTrue(checked >= 48, "cases " + checked);
    }
}
