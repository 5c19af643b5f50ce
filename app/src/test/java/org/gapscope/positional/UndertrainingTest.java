package org.gapscope.positional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gapscope.api.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UndertrainingTest {
    @TempDir
    Path dir;

    @Test
    void fixedLengthHasTheClosedForms() {
        for (int len : new int[] {2, 3, 10, 4096, 4097}) {
            Undertraining u = Undertraining.fixed(len);
            assertEquals(len, u.window());
            double pairs = len * (len - 1) / 2.0;
            for (int d : new int[] {1, 2, len / 2, len - 1}) {
                if (d >= 1 && d < len) {
                    // L - Delta of the L(L-1)/2 pairs are at distance Delta; sums of < 1e4 terms of size
                    // <= 1: relative round-off below 1e-12
                    assertEquals((len - d) / pairs, u.p(d), 1e-12 / len);
                }
            }
            assertEquals(0.0, u.p(len), 0.0);
            assertEquals(0.0, u.p(0), 0.0);
            for (double frac : new double[] {0.5, 0.75, 0.9}) {
                assertEquals(Undertraining.fixedTailFraction(len, frac * len), u.tailFraction(frac * len), 1e-12);
            }
            // mean distance (L+1)/3
            assertEquals((len + 1) / 3.0, u.meanDelta(), 1e-9 * len);
        }
        // large L: the tail shares approach (1 - t/L)^2
        assertEquals(0.25, Undertraining.fixedTailFraction(1_000_000, 500_000), 1e-5);
        assertEquals(0.01, Undertraining.fixedTailFraction(1_000_000, 900_000), 1e-5);
    }

    /** Enumerates every pair of every length: the definition itself. */
    static double[] bruteForce(double[] prob) {
        int w = prob.length - 1;
        double[] c = new double[w + 1];
        double total = 0;
        for (int len = 1; len <= w; len++) {
            for (int i = 0; i < len; i++) {
                for (int j = i + 1; j < len; j++) {
                    c[j - i] += prob[len];
                    total += prob[len];
                }
            }
        }
        for (int d = 0; d <= w; d++) {
            c[d] /= total;
        }
        return c;
    }

    @Test
    void uniformAndHistogramLawsMatchEnumeration() throws Exception {
        double[] prob = new double[41];
        for (int l = 17; l <= 40; l++) {
            prob[l] = 1.0 / 24;
        }
        Undertraining u = Undertraining.parse("uniform:17:40");
        double[] expect = bruteForce(prob);
        for (int d = 1; d < 40; d++) {
            assertEquals(expect[d], u.p(d), 1e-14);
        }
        Path hist = dir.resolve("lengths.txt");
        Files.writeString(hist, "# length count\n5 3\n12, 1\n\n30 6 # comment\n");
        double[] hp = new double[31];
        hp[5] = 0.3;
        hp[12] = 0.1;
        hp[30] = 0.6;
        Undertraining h = Undertraining.parse("file:" + hist);
        double[] he = bruteForce(hp);
        double tail = 0;
        for (int d = 1; d < 30; d++) {
            assertEquals(he[d], h.p(d), 1e-14);
            if (d > 15) {
                tail += he[d];
            }
        }
        assertEquals(tail, h.tailFraction(15), 1e-14);
    }

    @Test
    void logNormalIsNormalizedAndErfcIsAccurate() {
        Undertraining u = Undertraining.parse("lognormal:6:0.5:5000");
        double s = 0;
        for (int d = 1; d < u.window(); d++) {
            s += u.p(d);
        }
        assertEquals(1.0, s, 1e-12);
        // reference values of erfc (to 16 digits, from its definition)
        assertEquals(1.0, Undertraining.erfc(0), 0.0);
        assertEquals(0.15729920705028513, Undertraining.erfc(1), 1e-15);
        assertEquals(1.8427007929497148, Undertraining.erfc(-1), 1e-15);
        assertEquals(2.209049699858544e-05, Undertraining.erfc(3), 1e-19);
        assertEquals(1.5374597944280349e-12, Undertraining.erfc(5), 1e-25);
        assertEquals(0.0013498980316301, Undertraining.normalCdf(-3), 1e-14);
    }

    @Test
    void badSpecsAreOneLineInputErrors() {
        assertThrows(InputException.class, () -> Undertraining.parse("fixed:1"));
        assertThrows(InputException.class, () -> Undertraining.parse("uniform:9:3"));
        assertThrows(InputException.class, () -> Undertraining.parse("gamma:3"));
        assertThrows(InputException.class, () -> Undertraining.parse("fixed:abc"));
        assertThrows(InputException.class, () -> Undertraining.parse("file:" + dir.resolve("missing")));
    }
}
