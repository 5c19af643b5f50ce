package org.gapscope.api;

/**
 * One sweep point for {@link Backend#sweepGap}: B tokens of H heads over a vocabulary of V, logits
 * drawn with {@link SweepLogits}' stream convention and law. margin applies to agree/disagree, rho to
 * correlated (pass 0 where unused).
 *
 * <p>{@code firstToken} (0 unless given) is the stream's number of the spec's first token: the spec's
 * token t draws token firstToken + t of the stream (its y*, head and shared noise), so the tokens
 * [t0, t1) of a point, as {@code withTokens(t0, t1 - t0)}, are exactly those tokens of the whole point
 * (how a point is split into token ranges across machines).
 *
 * <p>{@code brier} (true unless given) asks for the Brier gap. It needs ||Pi||^2 of the mixture, whose cross
 * terms between heads need every log Z_h first, so the backends draw the logits a second time for it; with
 * brier false that second pass is skipped (about half the time of a point) and {@link SweepResult#brierGap()}
 * holds NaN. Every other number is the same bits either way.
 *
 * <p>Checked here, before anything runs, each with one line naming the parameter: H, V, B &ge; 1;
 * firstToken &ge; 0; (firstToken + B) H V &le; 2^62 (stream indices are longs); sigma finite and &ge; 0; margin finite; rho in [0, 1];
 * T finite and &gt; 0; and every logit finite in float32: |l| &le; (8.6 sigma + |a|) / T &lt; 10^37
 * (8.6 bounds |N(0,1)| of the generator: sqrt(-2 ln u) with u &ge; 2^-53).
 */
public record SweepSpec(SweepLaw law, int heads, int vocab, long tokens, double sigma, double margin, double rho,
                        double temperature, long seed, long firstToken, boolean brier) {

    /** Largest |N(0, 1)| the generator can draw: sqrt(-2 ln(2^-53)) = 8.57. */
    public static final double MAX_NORMAL = 8.6;

    public SweepSpec {
        if (law == null) {
            throw new InputException("--law: missing");
        }
        if (heads < 1) {
            throw new InputException("--heads: must be >= 1, got " + heads);
        }
        if (vocab < 1) {
            throw new InputException("--vocab: must be >= 1, got " + vocab);
        }
        if (tokens < 1) {
            throw new InputException("--tokens: must be >= 1, got " + tokens);
        }
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new InputException("--sigma: must be finite and >= 0, got " + sigma);
        }
        if (!Double.isFinite(margin)) {
            throw new InputException("--margin: must be finite, got " + margin);
        }
        if (!(rho >= 0 && rho <= 1)) {
            throw new InputException("--rho: correlation must be in [0, 1], got " + rho);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new InputException("--temperature: must be finite and > 0, got " + temperature);
        }
        if (firstToken < 0) {
            throw new InputException("first token: must be >= 0, got " + firstToken);
        }
        if ((double) tokens * heads * vocab > 0x1p62) {
            throw new InputException("--tokens x --heads x --vocab: B x H x V = " + tokens + " x " + heads + " x " + vocab
                    + " exceeds 2^62 (the generator's stream index)");
        }
        if (((double) firstToken + tokens) * heads * vocab > 0x1p62) {
            throw new InputException("first token + --tokens: (" + firstToken + " + " + tokens + ") x " + heads + " x "
                    + vocab + " exceeds 2^62 (the generator's stream index)");
        }
        if ((MAX_NORMAL * sigma + Math.abs(margin)) / temperature > 1e37) {
            throw new InputException("--sigma: logits up to (8.6 sigma + |a|) / T = "
                    + (MAX_NORMAL * sigma + Math.abs(margin)) / temperature + " overflow float32; use a smaller sigma"
                    + " or margin, or a larger temperature");
        }
    }

    /** The spec from token 0 of the stream ({@code firstToken} 0). */
    public SweepSpec(SweepLaw law, int heads, int vocab, long tokens, double sigma, double margin, double rho,
                     double temperature, long seed) {
        this(law, heads, vocab, tokens, sigma, margin, rho, temperature, seed, 0);
    }

    /** The spec from token firstToken of the stream, with the Brier gap. */
    public SweepSpec(SweepLaw law, int heads, int vocab, long tokens, double sigma, double margin, double rho,
                     double temperature, long seed, long firstToken) {
        this(law, heads, vocab, tokens, sigma, margin, rho, temperature, seed, firstToken, true);
    }

    /** The same point with (true) or without (false) the Brier gap's second pass. */
    public SweepSpec withBrier(boolean withBrier) {
        return new SweepSpec(law, heads, vocab, tokens, sigma, margin, rho, temperature, seed, firstToken, withBrier);
    }

    /**
     * Tokens [firstToken() + first, firstToken() + first + count) of this spec's stream: the same point
     * with another first token and count (a token range of it).
     */
    public SweepSpec withTokens(long first, long count) {
        return new SweepSpec(law, heads, vocab, count, sigma, margin, rho, temperature, seed, firstToken + first, brier);
    }

    /** Logits of the point: B H V. */
    public double logits() {
        return (double) tokens * heads * vocab;
    }

    /** Largest |logit| the point can draw: (8.6 sigma + |a|) / T. */
    public double maxAbsLogit() {
        return (MAX_NORMAL * sigma + Math.abs(margin)) / temperature;
    }
}
