package org.gapscope.crowding;

import org.gapscope.api.Backend;
import org.gapscope.api.CrowdingResult;
import org.gapscope.api.CrowdingSpec;
import org.gapscope.api.Law;
import org.gapscope.api.Mitigation;

/**
 * One point of the crowding curve (docs/MATH.md section 7, P2 Lemma 4): the Monte Carlo of P_N on a
 * backend, its statistics, and the mean field next to it.
 *
 * <p>Repetitions may be run in batches ({@code batch}): repetition r always draws its distractors with
 * Philox counter (seed, r, k), so the batching changes neither the draws nor, since the statistics
 * are taken over the concatenated per-repetition array in repetition order, any printed bit.
 */
public final class CrowdingSimulation {
    private CrowdingSimulation() {}

    /** What one point reports. {@code s} is the relevant score before any mitigation. */
    public record Point(long n, double s, Law law, Mitigation mitigation, Stats stats, double meanField,
                        boolean smallN, boolean maxDominates) {
        public double meanP() {
            return stats.mean();
        }

        /** Simulated mean minus mean field. */
        public double difference() {
            return stats.mean() - meanField;
        }
    }

    /** Called after each batch with the repetitions done so far (for progress output). */
    public interface BatchDone {
        void done(int repsDone, int repsTotal);
    }

    /** The per-repetition P_N for reps [0, reps), computed in batches of {@code batch} repetitions. */
    public static double[] simulate(Backend backend, long n, double s, Law law, int reps, long seed,
                                    Mitigation mitigation, int batch, BatchDone progress) {
        double[] p = new double[reps];
        int b = Math.max(1, batch);
        for (int first = 0; first < reps; first += b) {
            int count = Math.min(b, reps - first);
            CrowdingResult r = backend.crowding(new CrowdingSpec(n, s, law, count, first, seed, mitigation));
            System.arraycopy(r.p(), 0, p, first, count);
            if (progress != null) {
                progress.done(first + count, reps);
            }
        }
        return p;
    }

    public static Point point(Backend backend, long n, double s, Law law, int reps, long seed,
                              Mitigation mitigation, int batch, BatchDone progress) {
        double[] p = simulate(backend, n, s, law, reps, seed, mitigation, batch, progress);
        return summarize(n, s, law, mitigation, p);
    }

    /** Statistics and mean field for given per-repetition values. */
    public static Point summarize(long n, double s, Law law, Mitigation mitigation, double[] p) {
        Law effective = mitigation.kind() == Mitigation.Kind.TOP_K || n <= 1 ? law
                : MeanField.scaled(law, mitigation.scoreScale(n));
        return new Point(n, s, law, mitigation, Stats.of(p), MeanField.meanField(n, s, law, mitigation),
                MeanField.smallN(n, effective), MeanField.maxDominates(n, effective));
    }
}
