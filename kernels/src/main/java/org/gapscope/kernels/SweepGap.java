package org.gapscope.kernels;

/**
 * Bodies of the fused sweep op {@code sweepGap} (MATH.md sections 3 and 4): the per-head logits of a
 * sweep point are drawn from Philox inside the reduction and never stored. Work-item
 * {@code item = t * chunks + c} draws, for every y of chunk c (layout: {@link Chunks}) of token
 * {@code firstToken + t}, the H logits l^(h)_y ({@link #logit}), and folds them, in one pass, into
 * <ul>
 *   <li>every head's state (m, d, d2): m = max l, d = sum exp(l - m), d2 = sum exp(2 (l - m)), so that
 *       log Z_h = M + log D and ||pi_h||^2 = sum_y pi_h(y)^2 = D2 / D^2;</li>
 *   <li>the (m, d) states of the aggregate L = sum_h l^(h) (summed in FP64 in head order) and of the
 *       mean logits L / H;</li>
 *   <li>the logits at the observed token, l^(h)_{y*}, written by the one item whose chunk holds y*
 *       (the ledger's y* terms, and pi_h(y*) of the Theorem 4 gaps).</li>
 * </ul>
 * A second pass ({@link #sweepGapBrier}) draws the same logits again, given log Z_h, for
 * sum_y (sum_h pi_h(y))^2 = H^2 ||Pi||^2 of the equal-weight mixture (||Pi||^2 has cross terms between
 * heads, so it needs the heads' normalisers first). A backend that keeps the heads' pair states in the
 * first pass instead (P_hk = sum_y exp(l_h - m_h) exp(l_k - m_k) per item, relative to the item's own head
 * maxima m_h) needs no second pass: sum_y (sum_h pi_h(y))^2 = sum_{h,k} a_h a_k P_hk with
 * a_h = exp(m_h - log Z_h), P_hh = d2 ({@link #sweepGapPairBrier}). Chunk states are merged in chunk order
 * ({@link #sweepGapMerge}), so results do not depend on threads or devices.
 *
 * <p>Stream convention (README, "Random numbers"; key = the point's seed, counter = (index,
 * repetition, stream 0), Gaussian draws in pairs as {@link Laws#draw}): head noise e(b, h, y) at index
 * (b H + h) V + y, repetition {@link #REP_HEAD}; shared noise z(b, y) at index b V + y, repetition
 * {@link #REP_SHARED}; the observed token y*(b) = floor(V u), u uniform, index b, repetition
 * {@link #REP_TARGET}. Laws (before the temperature; computed in FP64, divided by T, rounded once to
 * float32): {@link #GAUSSIAN} sigma e; {@link #IDENTICAL} sigma z; {@link #CORRELATED}
 * sigma (sqrt(rho) z + sqrt(1 - rho) e); {@link #AGREE} sigma e + a [y = y*]; {@link #DISAGREE}
 * sigma e + a [y = (y* + h) mod V].
 *
 * <p>Online updates in FP64: one exp per logit (two when the maximum moves); relative error of a
 * chunk's d about count 2^-53.
 */
public final class SweepGap {
    private SweepGap() {}

    public static final int GAUSSIAN = 0;
    public static final int IDENTICAL = 1;
    public static final int CORRELATED = 2;
    public static final int AGREE = 3;
    public static final int DISAGREE = 4;

    /** Repetition (Philox counter word 2) of the head noise e(b, h, y). */
    public static final int REP_HEAD = 0;
    /** Repetition of the shared noise z(b, y) of the identical and correlated laws. */
    public static final int REP_SHARED = 1;
    /** Repetition of the uniform that picks the observed token y*(b). */
    public static final int REP_TARGET = 2;

    /**
     * The logit l^(h)_y of token b, as float32. cs = sqrt(rho), ce = sqrt(1 - rho) (correlated law);
     * target = y*(b).
     */
    public static float logit(int law, long b, int h, int heads, int v, long y, int target, long seed, double sigma,
                              double margin, double cs, double ce, double temperature, int[] scratch, int off) {
        long index = (b * heads + h) * v + y;
        int rep = REP_HEAD;
        if (law == IDENTICAL) {
            index = b * v + y;
            rep = REP_SHARED;
        }
        double e = Laws.normal(index, rep, seed, scratch, off);
        double x = sigma * e;
        if (law == CORRELATED) {
            double z = Laws.normal(b * v + y, REP_SHARED, seed, scratch, off);
            x = sigma * (cs * z + ce * e);
        }
        if (y == peak(law, h, v, target)) {
            x = x + margin;
        }
        return (float) (x / temperature);
    }

    /** The token that head h's margin lifts: y* (agree), (y* + h) mod V (disagree), else -1 (none). */
    public static long peak(int law, int h, int v, int target) {
        long p = -1;
        if (law == AGREE) {
            p = target;
        } else if (law == DISAGREE) {
            p = (target + (long) h) % v;
        }
        return p;
    }

    /**
     * First pass of item {@code item}: head states at [item * heads + h], aggregate and mean states at
     * [item], l^(h)_{y*} at targetLogits[t * heads + h] (by the item whose chunk holds y*). targets[t]
     * = y* of token firstToken + t; scratch[item * 4 .. + 3] holds the item's Philox block.
     */
    public static void sweepGapPartial(int item, int law, int heads, int v, int chunks, int layout, long firstToken,
                                       long seed, double sigma, double margin, double cs, double ce,
                                       double temperature, int[] targets, int[] scratch, double[] headM,
                                       double[] headD, double[] headD2, double[] aggM, double[] aggD, double[] meanM,
                                       double[] meanD, double[] targetLogits) {
        int t = item / chunks;
        int c = item % chunks;
        long b = firstToken + t;
        int target = targets[t];
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        int hb = item * heads;
        for (int h = 0; h < heads; h++) {
            headM[hb + h] = LogSumExp.LOWEST;
            headD[hb + h] = 0.0;
            headD2[hb + h] = 0.0;
        }
        aggM[item] = LogSumExp.LOWEST;
        aggD[item] = 0.0;
        meanM[item] = LogSumExp.LOWEST;
        meanD[item] = 0.0;
        for (long k = 0; k < count; k++) {
            long y = start + k * step;
            double sum = 0.0;
            for (int h = 0; h < heads; h++) {
                double l = logit(law, b, h, heads, v, y, target, seed, sigma, margin, cs, ce, temperature, scratch,
                        item * 4);
                sum += l;
                if (y == target) {
                    targetLogits[t * heads + h] = l;
                }
                fold(headM, headD, headD2, hb + h, l);
            }
            fold(meanM, meanD, meanD, -1 - item, sum / heads);
            fold(aggM, aggD, aggD, -1 - item, sum);
        }
    }

    // ---- the work-group form (the tornado backend's KernelContext launch on GPUs) -------------------

    /** Doubles per work-item in the work-group form's work array: head state (m, d, d2), aggregate (m, d), mean (m, d). */
    public static final int GROUP_SLOTS = 7;

    /**
     * Work-group form of {@link #sweepGapPartial}: work-group {@code item} (the same chunk) of {@code group}
     * work-items goes through its chunk's y indices k in rounds [r0, r0 + span), and per round head by head.
     * This is work-item t's share of head h in round r0: it draws l^(h)_y at its indices k = r0 + t,
     * r0 + t + group, ... (below the chunk's count) and folds them into a fresh state (m, d, d2) at
     * work[(item group + t) {@link #GROUP_SLOTS}], which the launch then reduces over the group
     * ({@link #groupMergeHead} keeps the result across rounds); it adds each l into its y's aggregate sum at
     * ySums[item span + k - r0] (set at h = 0, so L_y is summed in head order as in sweepGapPartial), and
     * writes l at y*. Philox block at scratch[(item group + t) 4].
     */
    public static void groupHeadFold(int item, int t, int group, long r0, int span, int h, int law, int heads,
                                     int v, int chunks, int layout, long firstToken, long seed, double sigma,
                                     double margin, double cs, double ce, double temperature, int[] targets,
                                     int[] scratch, double[] work, double[] ySums, double[] targetLogits) {
        int tok = item / chunks;
        int c = item % chunks;
        long b = firstToken + tok;
        int target = targets[tok];
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long end = Math.min(Chunks.count(v, chunks, c, layout), r0 + span);
        int w = (item * group + t) * GROUP_SLOTS;
        work[w] = LogSumExp.LOWEST;
        work[w + 1] = 0.0;
        work[w + 2] = 0.0;
        long base = (long) item * span - r0;
        for (long k = r0 + t; k < end; k += group) {
            long y = start + k * step;
            double l = logit(law, b, h, heads, v, y, target, seed, sigma, margin, cs, ce, temperature, scratch,
                    (item * group + t) * 4);
            int s = (int) (base + k);
            double before = ySums[s];
            if (h == 0) {
                before = 0.0;
            }
            ySums[s] = before + l;
            if (y == target) {
                targetLogits[tok * heads + h] = l;
            }
            foldSlots(work, w, l, 1);
        }
    }

    /**
     * Work-group form, after every head of round r0: work-item t folds the aggregate sums L_y of its indices
     * (ySums, as {@link #groupHeadFold} left them) into its aggregate state (m, d) at work slots 3, 4 and
     * L_y / H into its mean state at slots 5, 6; both start fresh at r0 = 0.
     */
    public static void groupSumsFold(int item, int t, int group, long r0, int span, int heads, int v, int chunks,
                                     int layout, double[] ySums, double[] work) {
        long end = Math.min(Chunks.count(v, chunks, item % chunks, layout), r0 + span);
        int w = (item * group + t) * GROUP_SLOTS;
        if (r0 == 0) {
            work[w + 3] = LogSumExp.LOWEST;
            work[w + 4] = 0.0;
            work[w + 5] = LogSumExp.LOWEST;
            work[w + 6] = 0.0;
        }
        long base = (long) item * span - r0;
        for (long k = r0 + t; k < end; k += group) {
            double sum = ySums[(int) (base + k)];
            foldSlots(work, w + 5, sum / heads, 0);
            foldSlots(work, w + 3, sum, 0);
        }
    }

    /**
     * Work-group form, by work-item 0 after the group's tree for head h in round r0: the group's state
     * (m, d, d2) of the round becomes head h's state of the item at [item H + h] (r0 = 0) or is merged into
     * it with the larger maximum (rounds in order).
     */
    public static void groupMergeHead(int item, int h, int heads, long r0, double m, double d, double d2,
                                      double[] headM, double[] headD, double[] headD2) {
        int o = item * heads + h;
        double mx = m;
        double pd = 0.0;
        double pd2 = 0.0;
        double ra = 0.0;
        if (r0 > 0) { // the earlier rounds' state; at r0 = 0 the slot is not read (the device leaves it as it was)
            mx = Math.max(headM[o], m);
            ra = Math.exp(headM[o] - mx);
            pd = headD[o];
            pd2 = headD2[o];
        }
        double rb = Math.exp(m - mx);
        headD[o] = pd * ra + d * rb;
        headD2[o] = pd2 * (ra * ra) + d2 * (rb * rb);
        headM[o] = mx;
    }

    /**
     * Work-group form of {@link #sweepGapBrier}: work-item t of work-group {@code item} (the same chunk) returns
     * its share of mixSq[item], the sum over its indices k = t, t + group, ... of the chunk of
     * (sum_h exp(l^(h)_y - log Z_h))^2, heads in order; the launch adds the shares by a tree. Philox block
     * at scratch[(item group + t) 4].
     */
    public static double groupBrier(int item, int t, int group, int law, int heads, int v, int chunks, int layout,
                                    long firstToken, long seed, double sigma, double margin, double cs, double ce,
                                    double temperature, int[] targets, int[] scratch, double[] logZHeads) {
        int tok = item / chunks;
        int c = item % chunks;
        long b = firstToken + tok;
        int target = targets[tok];
        long start = Chunks.start(v, chunks, c, layout);
        long step = Chunks.step(chunks, layout);
        long count = Chunks.count(v, chunks, c, layout);
        double acc = 0.0;
        for (long k = t; k < count; k += group) {
            long y = start + k * step;
            double s = 0.0;
            for (int h = 0; h < heads; h++) {
                double l = logit(law, b, h, heads, v, y, target, seed, sigma, margin, cs, ce, temperature, scratch,
                        (item * group + t) * 4);
                s += Math.exp(l - logZHeads[tok * heads + h]);
            }
            acc += s * s;
        }
        return acc;
    }

    /**
     * {@link #fold} on one array: state (m, d) at s[w], s[w + 1] and, when second = 1, d2 at s[w + 2].
     */
    static void foldSlots(double[] s, int w, double x, int second) {
        double mx = s[w];
        if (x > mx) {
            double r = Math.exp(mx - x);
            s[w + 1] = s[w + 1] * r + 1.0;
            if (second == 1) {
                s[w + 2] = s[w + 2] * (r * r) + 1.0;
            }
            s[w] = x;
        } else {
            double e = Math.exp(x - mx);
            s[w + 1] = s[w + 1] + e;
            if (second == 1) {
                s[w + 2] = s[w + 2] + e * e;
            }
        }
    }

    /**
     * Online update of the state at slot i with x: m = max, d = sum exp(x - m), and d2 = sum exp(2 (x - m))
     * when i &ge; 0; a negative i = -1 - slot updates (m, d) of that slot only (d2 ignored). One exp per
     * value, two when the maximum moves.
     */
    static void fold(double[] m, double[] d, double[] d2, int i, double x) {
        int j = i;
        if (i < 0) {
            j = -1 - i;
        }
        double mx = m[j];
        if (x > mx) {
            double r = Math.exp(mx - x);
            d[j] = d[j] * r + 1.0;
            if (i >= 0) {
                d2[j] = d2[j] * (r * r) + 1.0;
            }
            m[j] = x;
        } else {
            double e = Math.exp(x - mx);
            d[j] = d[j] + e;
            if (i >= 0) {
                d2[j] = d2[j] + e * e;
            }
        }
    }

    /**
     * Merge for token t (index within the launch): {@link JensenGap#gapMerge} for log Z_h, log Z and
     * log Z of the mean, and norm2Heads[t * heads + h] = ||pi_h||^2 = D2 / D^2 from the d2 states,
     * merged in chunk order with the same maximum.
     */
    public static void sweepGapMerge(int t, int heads, int chunks, double[] headM, double[] headD, double[] headD2,
                                     double[] aggM, double[] aggD, double[] meanM, double[] meanD, double[] logZHeads,
                                     double[] logZ, double[] logZMean, double[] norm2Heads) {
        JensenGap.gapMerge(t, heads, chunks, headM, headD, aggM, aggD, meanM, meanD, logZHeads, logZ, logZMean);
        int first = t * chunks;
        for (int h = 0; h < heads; h++) {
            double mx = LogSumExp.LOWEST;
            for (int c = 0; c < chunks; c++) {
                mx = Math.max(mx, headM[(first + c) * heads + h]);
            }
            double s = 0.0;
            double s2 = 0.0;
            for (int c = 0; c < chunks; c++) {
                double r = Math.exp(headM[(first + c) * heads + h] - mx);
                s += headD[(first + c) * heads + h] * r;
                s2 += headD2[(first + c) * heads + h] * (r * r);
            }
            norm2Heads[t * heads + h] = s2 / (s * s);
        }
    }

    /**
     * Second pass of item {@code item}: mixSq[item] = sum over the chunk's y of (sum_h exp(l^(h)_y -
     * log Z_h))^2, given logZHeads[t * heads + h] from the merge.
     */
    public static void sweepGapBrier(int item, int law, int heads, int v, int chunks, int layout, long firstToken,
                                     long seed, double sigma, double margin, double cs, double ce, double temperature,
                                     int[] targets, int[] scratch, double[] logZHeads, double[] mixSq) {
        mixSq[item] = groupBrier(item, 0, 1, law, heads, v, chunks, layout, firstToken, seed, sigma, margin, cs, ce,
                temperature, targets, scratch, logZHeads); // a group of one work-item: the whole chunk in order
    }

    /** Index of pair (h, k), h &lt; k, in an item's packed pair states: row by row, k = h + 1 .. heads - 1. */
    public static int pairIndex(int h, int k, int heads) {
        return h * (2 * heads - h - 1) / 2 + (k - h - 1);
    }

    /**
     * The Brier term of item {@code item} from its pair states, without drawing again: mixSq[item] =
     * sum_h a_h^2 d2_h + 2 sum_{h &lt; k} a_h a_k P_hk, a_h = exp(m_h - log Z_h), with the item's head maxima
     * m_h = headM[item H + h] and d2_h = headD2[item H + h], its pair states P_hk =
     * pairs[item H(H-1)/2 + {@link #pairIndex}] (relative to the same m_h), and logZHeads[t H + h] from the
     * merge; FP64, heads in order; the a_h go through weights[item H + h] (scratch of the item's own). Equal
     * to {@link #sweepGapBrier}'s sum_y (sum_h pi_h(y))^2 up to the rounding of the pair states (the backend
     * that keeps them states their bound).
     */
    public static void sweepGapPairBrier(int item, int heads, int chunks, double[] headM, double[] headD2,
                                         double[] pairs, double[] logZHeads, double[] weights, double[] mixSq) {
        int t = item / chunks;
        int hb = item * heads;
        int zb = t * heads;
        for (int h = 0; h < heads; h++) {
            weights[hb + h] = Math.exp(headM[hb + h] - logZHeads[zb + h]);
        }
        int p = item * (heads * (heads - 1) / 2);
        double diag = 0.0;
        double cross = 0.0;
        for (int h = 0; h < heads; h++) {
            double ah = weights[hb + h];
            diag += ah * ah * headD2[hb + h];
            double row = 0.0;
            for (int k = h + 1; k < heads; k++) {
                row += weights[hb + k] * pairs[p];
                p++;
            }
            cross += ah * row;
        }
        mixSq[item] = diag + 2.0 * cross;
    }
}
