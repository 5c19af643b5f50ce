package org.gapscope.api;

import java.io.Serializable;
import java.util.List;
import org.gapscope.kernels.Crowding;

/**
 * One part of a crowding point computed apart from the others ({@link Backend#crowdingStates}), so that
 * the distractors of one repetition can be spread over machines: the (m, d) states of chunks [c0, c1) of
 * the backend's own chunking (of {@code chunks} chunks) of every repetition, at {@code m[r * (c1 - c0) +
 * c - c0]}; or, from a backend that does not reduce in chunks (or a case it does not reduce in chunks:
 * top-k, no distractors), the whole result {@code p}, {@code lse} in part 0 and nothing in the others.
 * {@link #merge} puts the parts together, in part order, into {@link Backend#crowding}'s result, bit for
 * bit: the chunk states are those of the one-machine launch, merged by the same body
 * ({@link Crowding#crowdingMerge}) over the same chunks in the same order.
 */
public record CrowdingStates(int chunks, int c0, int c1, double[] m, double[] d, double[] p, double[] lse)
        implements Serializable {

    /** Part {@code index} of a backend without chunk states: the whole result in part 0, nothing in the others. */
    public static CrowdingStates whole(Backend backend, CrowdingSpec spec, int index) {
        if (index != 0) {
            return new CrowdingStates(0, 0, 0, null, null, null, null);
        }
        CrowdingResult r = backend.crowding(spec);
        return new CrowdingStates(0, 0, 0, null, null, r.p(), r.logSumDistractors());
    }

    /** Whether this part holds chunk states (else the whole result, or nothing). */
    public boolean hasStates() {
        return m != null;
    }

    /**
     * {@code spec}'s result from all its parts, in part order. Parts that do not fit together (chunk
     * ranges that do not follow one another or do not cover the chunks, a whole result beside chunk
     * states, no result at all) are a bug: IllegalStateException.
     */
    public static CrowdingResult merge(CrowdingSpec spec, List<CrowdingStates> parts) {
        int reps = spec.reps();
        CrowdingStates whole = null;
        int chunks = -1;
        int next = 0;
        for (CrowdingStates s : parts) {
            if (s.p() != null) {
                if (whole != null) {
                    throw new IllegalStateException("crowding: two parts hold a whole result");
                }
                whole = s;
            } else if (s.hasStates()) {
                if (chunks >= 0 && s.chunks() != chunks || s.c0() != next) {
                    throw new IllegalStateException("crowding: a part holds chunks [" + s.c0() + ", " + s.c1() + ") of "
                            + s.chunks() + ", expected chunk " + next + " next (parts must come in order)");
                }
                chunks = s.chunks();
                next = s.c1();
            }
        }
        if (whole != null) {
            if (chunks >= 0) {
                throw new IllegalStateException("crowding: a whole result beside chunk states");
            }
            return new CrowdingResult(spec, whole.p().clone(), whole.lse().clone());
        }
        if (chunks < 0 || next != chunks) {
            throw new IllegalStateException("crowding: the parts hold chunks [0, " + Math.max(next, 0) + ") of "
                    + Math.max(chunks, 0) + (chunks < 0 ? " (no result at all)" : ""));
        }
        double[] m = new double[reps * chunks];
        double[] d = new double[reps * chunks];
        for (CrowdingStates s : parts) {
            if (!s.hasStates()) {
                continue;
            }
            int w = s.c1() - s.c0();
            for (int r = 0; r < reps; r++) {
                System.arraycopy(s.m(), r * w, m, r * chunks + s.c0(), w);
                System.arraycopy(s.d(), r * w, d, r * chunks + s.c0(), w);
            }
        }
        double sc = spec.s() * spec.mitigation().scoreScale(spec.n());
        double[] p = new double[reps];
        double[] lse = new double[reps];
        for (int r = 0; r < reps; r++) {
            Crowding.crowdingMerge(r, chunks, m, d, sc, p, lse);
        }
        return new CrowdingResult(spec, p, lse);
    }
}
