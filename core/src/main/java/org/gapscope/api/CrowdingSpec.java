package org.gapscope.api;

/**
 * One point of the crowding simulation: N scores, one relevant with score {@code s}, N-1 i.i.d.
 * distractors from {@code law}, {@code reps} repetitions. Distractor k of repetition r is
 * {@code Laws.draw(k, firstRep + r, seed, ...)}, so two points with the same seed and repetitions share
 * their draws (common random numbers across s and across mitigations).
 */
public record CrowdingSpec(long n, double s, Law law, int reps, int firstRep, long seed, Mitigation mitigation) {
    public CrowdingSpec {
        if (n < 1) {
            throw new InputException("crowding: N must be >= 1, got " + n);
        }
        if (reps < 1) {
            throw new InputException("crowding: repetitions must be >= 1, got " + reps);
        }
        if (!Double.isFinite(s)) {
            throw new InputException("crowding: the relevant score s must be finite, got " + s);
        }
        if (mitigation == null) {
            mitigation = Mitigation.NONE;
        }
    }

    public CrowdingSpec(long n, double s, Law law, int reps, long seed) {
        this(n, s, law, reps, 0, seed, Mitigation.NONE);
    }
}
