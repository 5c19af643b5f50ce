package org.gapscope.model;

import org.gapscope.api.Backend;
import org.gapscope.api.InputException;
import org.gapscope.api.MaskAlignment;
import org.gapscope.api.Tensor;
import org.gapscope.io.Checkpoint;

/**
 * A transformer read from a Hugging Face checkpoint (GPT-2 or the Llama family), its forward pass and
 * the decomposition of its final logits into one logit vector per attention head plus the rest
 * (docs/MATH.md section 10).
 *
 * <p>The linear layers run through {@link Backend#matmul} (FP64 on reference, FP32 on cpu) and
 * attention through {@link Backend#attention}; norms, activations and RoPE are FP64 host loops with
 * {@link StrictMath}, so they give the same bits on every run. Weights stay in the checkpoint's
 * mappings: every tensor is checked against the shape the config implies when the model is opened,
 * before anything runs.
 */
public final class Transformer {
    private final ModelConfig cfg;
    private final Checkpoint ck;
    private final Layer[] layers;
    private final Tensor embed;
    private final Tensor positionEmbed;
    private final Tensor unembed;
    private final double[] normW;
    private final double[] normB;
    private final double[] invFreq;

    /** One block's weights; nulls for absent biases (and the other family's tensors). */
    private record Layer(double[] n1w, double[] n1b, Tensor qkv, double[] qkvB, Tensor q, double[] qB, Tensor k,
                         double[] kB, Tensor v, double[] vB, Tensor o, double[] oB, double[] n2w, double[] n2b, Tensor up,
                         double[] upB, Tensor gate, double[] gateB, Tensor down, double[] downB) {}

    public Transformer(Checkpoint ck) {
        this.ck = ck;
        this.cfg = ModelConfig.parse(ck.config(), ck.dir().resolve(Checkpoint.CONFIG).toString());
        int d = cfg.hidden();
        int v = cfg.vocab();
        layers = new Layer[cfg.layers()];
        if (cfg.family() == ModelConfig.Family.GPT2) {
            String p = ck.has("transformer.wte.weight") ? "transformer." : "";
            embed = ck.tensor(p + "wte.weight", v, d);
            positionEmbed = ck.tensor(p + "wpe.weight", cfg.maxPositions(), d);
            for (int i = 0; i < cfg.layers(); i++) {
                String b = p + "h." + i + ".";
                layers[i] = new Layer(vec(b + "ln_1.weight", d), vec(b + "ln_1.bias", d),
                        ck.tensor(b + "attn.c_attn.weight", d, 3L * d), vec(b + "attn.c_attn.bias", 3 * d),
                        null, null, null, null, null, null,
                        ck.tensor(b + "attn.c_proj.weight", d, d), vec(b + "attn.c_proj.bias", d),
                        vec(b + "ln_2.weight", d), vec(b + "ln_2.bias", d),
                        ck.tensor(b + "mlp.c_fc.weight", d, cfg.inner()), vec(b + "mlp.c_fc.bias", cfg.inner()),
                        null, null, ck.tensor(b + "mlp.c_proj.weight", cfg.inner(), d), vec(b + "mlp.c_proj.bias", d));
            }
            normW = vec(p + "ln_f.weight", d);
            normB = vec(p + "ln_f.bias", d);
            unembed = !cfg.tied() && ck.has("lm_head.weight") ? ck.tensor("lm_head.weight", v, d) : embed;
            invFreq = null;
        } else {
            int hd = cfg.headDim();
            int qd = cfg.heads() * hd;
            int kvd = cfg.kvHeads() * hd;
            embed = ck.tensor("model.embed_tokens.weight", v, d);
            positionEmbed = null;
            for (int i = 0; i < cfg.layers(); i++) {
                String b = "model.layers." + i + ".";
                String a = b + "self_attn.";
                String m = b + "mlp.";
                layers[i] = new Layer(vec(b + "input_layernorm.weight", d), null, null, null,
                        ck.tensor(a + "q_proj.weight", qd, d), opt(a + "q_proj.bias", qd),
                        ck.tensor(a + "k_proj.weight", kvd, d), opt(a + "k_proj.bias", kvd),
                        ck.tensor(a + "v_proj.weight", kvd, d), opt(a + "v_proj.bias", kvd),
                        ck.tensor(a + "o_proj.weight", d, qd), opt(a + "o_proj.bias", d),
                        vec(b + "post_attention_layernorm.weight", d), null,
                        ck.tensor(m + "up_proj.weight", cfg.inner(), d), opt(m + "up_proj.bias", cfg.inner()),
                        ck.tensor(m + "gate_proj.weight", cfg.inner(), d), opt(m + "gate_proj.bias", cfg.inner()),
                        ck.tensor(m + "down_proj.weight", d, cfg.inner()), opt(m + "down_proj.bias", d));
            }
            normW = vec("model.norm.weight", d);
            normB = null;
            unembed = cfg.tied() ? embed : ck.tensor("lm_head.weight", v, d);
            invFreq = ropeInverseFrequencies(cfg);
        }
    }

    private double[] vec(String name, int n) {
        return ck.tensor(name, n).toDoubles();
    }

    private double[] opt(String name, int n) {
        return ck.has(name) ? vec(name, n) : null;
    }

    public ModelConfig config() {
        return cfg;
    }

    /** The unembedding W_U, [vocab, hidden] (lm_head, or the token embedding when tied). */
    public Tensor unembedding() {
        return unembed;
    }

    /**
     * RoPE inverse frequencies as transformers computes them (FP32: 1 / theta^(2i/d), then llama3's
     * scaling): the values every checkpoint was trained and is run with.
     */
    static double[] ropeInverseFrequencies(ModelConfig cfg) {
        int half = cfg.headDim() / 2;
        double[] out = new double[half];
        float base = (float) cfg.ropeTheta();
        for (int i = 0; i < half; i++) {
            float e = (float) (2 * i) / (float) cfg.headDim();
            float inv = 1f / (float) StrictMath.pow(base, e);
            if (cfg.llama3() != null) {
                float factor = (float) cfg.llama3()[0];
                float low = (float) cfg.llama3()[1];
                float high = (float) cfg.llama3()[2];
                float old = (float) cfg.llama3()[3];
                float lowWave = old / low;
                float highWave = old / high;
                float wave = (float) (2 * Math.PI) / inv;
                if (wave > lowWave) {
                    inv = inv / factor;
                } else if (!(wave < highWave)) {
                    float smooth = (old / wave - low) / (high - low);
                    inv = (1 - smooth) * inv / factor + smooth * inv;
                }
            }
            out[i] = inv;
        }
        return out;
    }

    /**
     * The rows to unembed at the chosen positions, each of length hidden, in this order: for every
     * chosen position p (index pi) and head j = layer * heads + h, row pi * H + j holds T(a_{j}); then
     * row P H + pi holds T(x_L - sum_j a_j) + beta (the extra logits' input); then row P H + P + pi holds
     * the model's own final norm output (the plain forward pass). T is the final norm with its scale
     * frozen at x_L.
     */
    public record Decomposition(int positions, int heads, int hidden, double[] rows) {}

    /** Runs the forward pass over all tokens and decomposes at {@code positions} (0-based, ascending). */
    public Decomposition decompose(Backend be, long[] tokens, int[] positions) {
        int t = tokens.length;
        int d = cfg.hidden();
        if (t == 0) {
            throw new InputException("--tokens: no tokens");
        }
        if (t > cfg.maxPositions()) {
            throw new InputException("--tokens: " + t + " positions exceed max_position_embeddings " + cfg.maxPositions()
                    + " of " + ck.dir());
        }
        if (cfg.slidingWindow() > 0 && t > cfg.slidingWindow()) {
            throw new InputException("--tokens: " + t + " positions exceed sliding_window " + cfg.slidingWindow()
                    + " (sliding-window attention is not supported)");
        }
        for (int i = 0; i < t; i++) {
            if (tokens[i] < 0 || tokens[i] >= cfg.vocab()) {
                throw new InputException("--tokens: token id " + tokens[i] + " at position " + i + " is outside [0, vocab_size "
                        + cfg.vocab() + ")");
            }
        }
        for (int p : positions) {
            if (p < 0 || p >= t) {
                throw new InputException("--positions: " + p + " is outside [0, " + t + ")");
            }
        }
        int np = positions.length;
        int nh = cfg.heads();
        int hTot = cfg.totalHeads();
        double[] x = new double[t * d];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < d; c++) {
                x[i * d + c] = embed.get(tokens[i] * d + c) + (positionEmbed == null ? 0 : positionEmbed.get((long) i * d + c));
            }
        }
        double[] heads = new double[np * hTot * d];
        for (int li = 0; li < layers.length; li++) {
            Layer l = layers[li];
            boolean gpt2 = cfg.family() == ModelConfig.Family.GPT2;
            double[] h = gpt2 ? layerNorm(x, t, d, l.n1w, l.n1b, cfg.eps()) : rmsNorm(x, t, d, l.n1w, cfg.eps());
            int hd = cfg.headDim();
            double[] q = new double[nh * t * hd];
            double[] k = new double[nh * t * hd];
            double[] v = new double[nh * t * hd];
            if (gpt2) {
                double[] qkv = linear(be, h, t, d, l.qkv, false, 3 * d, l.qkvB);
                for (int hh = 0; hh < nh; hh++) {
                    for (int i = 0; i < t; i++) {
                        for (int c = 0; c < hd; c++) {
                            int o = (hh * t + i) * hd + c;
                            q[o] = qkv[i * 3 * d + hh * hd + c];
                            k[o] = qkv[i * 3 * d + d + hh * hd + c];
                            v[o] = qkv[i * 3 * d + 2 * d + hh * hd + c];
                        }
                    }
                }
            } else {
                int kvd = cfg.kvHeads() * hd;
                double[] qq = linear(be, h, t, d, l.q, true, nh * hd, l.qB);
                double[] kk = linear(be, h, t, d, l.k, true, kvd, l.kB);
                double[] vv = linear(be, h, t, d, l.v, true, kvd, l.vB);
                int group = nh / cfg.kvHeads();
                for (int hh = 0; hh < nh; hh++) {
                    int g = hh / group;
                    for (int i = 0; i < t; i++) {
                        rope(qq, i * nh * hd + hh * hd, i, q, (hh * t + i) * hd);
                        rope(kk, i * kvd + g * hd, i, k, (hh * t + i) * hd);
                        System.arraycopy(vv, i * kvd + g * hd, v, (hh * t + i) * hd, hd);
                    }
                }
            }
            double[] z = be.attention(Tensor.of(q, nh, t, hd), Tensor.of(k, nh, t, hd), Tensor.of(v, nh, t, hd),
                    1.0 / Math.sqrt(hd), MaskAlignment.TOP_LEFT).out().toDoubles();
            int qd = nh * hd;
            double[] zc = new double[t * qd];
            for (int hh = 0; hh < nh; hh++) {
                for (int i = 0; i < t; i++) {
                    System.arraycopy(z, (hh * t + i) * hd, zc, i * qd + hh * hd, hd);
                }
            }
            double[] attn = linear(be, zc, t, qd, l.o, !gpt2, d, l.oB);
            // each head's output a_{i,h} = z_h W_O^(h) without the bias: one product of the block-diagonal
            // spread of z (row (p, h) holds z_h at head h's columns) with the whole output projection
            double[] spread = new double[np * nh * qd];
            for (int pi = 0; pi < np; pi++) {
                for (int hh = 0; hh < nh; hh++) {
                    System.arraycopy(z, (hh * t + positions[pi]) * hd, spread, (pi * nh + hh) * qd + hh * hd, hd);
                }
            }
            double[] a = linear(be, spread, np * nh, qd, l.o, !gpt2, d, null);
            for (int pi = 0; pi < np; pi++) {
                System.arraycopy(a, pi * nh * d, heads, (pi * hTot + li * nh) * d, nh * d);
            }
            for (int i = 0; i < t * d; i++) {
                x[i] += attn[i];
            }
            double[] mlp;
            if (gpt2) {
                double[] h2 = layerNorm(x, t, d, l.n2w, l.n2b, cfg.eps());
                double[] f = linear(be, h2, t, d, l.up, false, cfg.inner(), l.upB);
                for (int i = 0; i < f.length; i++) {
                    double u = f[i];
                    f[i] = 0.5 * u * (1 + StrictMath.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                }
                mlp = linear(be, f, t, cfg.inner(), l.down, false, d, l.downB);
            } else {
                double[] h2 = rmsNorm(x, t, d, l.n2w, cfg.eps());
                double[] g = linear(be, h2, t, d, l.gate, true, cfg.inner(), l.gateB);
                double[] u = linear(be, h2, t, d, l.up, true, cfg.inner(), l.upB);
                for (int i = 0; i < g.length; i++) {
                    g[i] = g[i] / (1 + StrictMath.exp(-g[i])) * u[i];
                }
                mlp = linear(be, g, t, cfg.inner(), l.down, true, d, l.downB);
            }
            for (int i = 0; i < t * d; i++) {
                x[i] += mlp[i];
            }
        }
        return decomposition(x, heads, positions);
    }

    private Decomposition decomposition(double[] x, double[] heads, int[] positions) {
        int d = cfg.hidden();
        int np = positions.length;
        int hTot = cfg.totalHeads();
        double[] rows = new double[np * (hTot + 2) * d];
        boolean gpt2 = cfg.family() == ModelConfig.Family.GPT2;
        double[] rest = new double[d];
        double[] tmp = new double[d];
        for (int pi = 0; pi < np; pi++) {
            int xo = positions[pi] * d;
            double mean = 0;
            double sq = 0;
            for (int c = 0; c < d; c++) {
                mean += x[xo + c];
            }
            mean /= d;
            for (int c = 0; c < d; c++) {
                double u = gpt2 ? x[xo + c] - mean : x[xo + c];
                sq += u * u;
            }
            double scale = Math.sqrt(sq / d + cfg.eps()); // sigma (GPT-2, biased variance) or rho (RMSNorm)
            System.arraycopy(x, xo, rest, 0, d);
            for (int j = 0; j < hTot; j++) {
                int ao = (pi * hTot + j) * d;
                for (int c = 0; c < d; c++) {
                    rest[c] -= heads[ao + c];
                }
                System.arraycopy(heads, ao, tmp, 0, d);
                frozenNorm(tmp, scale, gpt2, rows, (pi * hTot + j) * d);
            }
            int eo = (np * hTot + pi) * d;
            frozenNorm(rest, scale, gpt2, rows, eo);
            System.arraycopy(x, xo, tmp, 0, d);
            int fo = (np * hTot + np + pi) * d;
            frozenNorm(tmp, scale, gpt2, rows, fo);
            if (normB != null) {
                for (int c = 0; c < d; c++) {
                    rows[eo + c] += normB[c];
                    rows[fo + c] += normB[c];
                }
            }
        }
        return new Decomposition(np, hTot, d, rows);
    }

    /** T(c) = w (c - mean(c)) / sigma (GPT-2) or w c / rho (RMSNorm), into out at offset o. */
    private void frozenNorm(double[] c, double scale, boolean center, double[] out, int o) {
        int d = c.length;
        double mean = 0;
        if (center) {
            for (double u : c) {
                mean += u;
            }
            mean /= d;
        }
        for (int i = 0; i < d; i++) {
            out[o + i] = normW[i] * ((c[i] - mean) / scale);
        }
    }

    private void rope(double[] src, int so, int pos, double[] dst, int dof) {
        int half = cfg.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double ang = pos * invFreq[i];
            double cos = StrictMath.cos(ang);
            double sin = StrictMath.sin(ang);
            double x1 = src[so + i];
            double x2 = src[so + half + i];
            dst[dof + i] = x1 * cos - x2 * sin;
            dst[dof + half + i] = x2 * cos + x1 * sin;
        }
    }

    private static double[] linear(Backend be, double[] x, int rows, int k, Tensor w, boolean transposeB, int n,
                                   double[] bias) {
        double[] y = be.matmul(Tensor.of(x, rows, k), w, transposeB, null).toDoubles();
        if (bias != null) {
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < n; c++) {
                    y[i * n + c] += bias[c];
                }
            }
        }
        return y;
    }

    private static double[] layerNorm(double[] x, int t, int d, double[] w, double[] b, double eps) {
        double[] y = new double[t * d];
        for (int i = 0; i < t; i++) {
            double mean = 0;
            for (int c = 0; c < d; c++) {
                mean += x[i * d + c];
            }
            mean /= d;
            double var = 0;
            for (int c = 0; c < d; c++) {
                double u = x[i * d + c] - mean;
                var += u * u;
            }
            double s = Math.sqrt(var / d + eps);
            for (int c = 0; c < d; c++) {
                y[i * d + c] = (x[i * d + c] - mean) / s * w[c] + b[c];
            }
        }
        return y;
    }

    private static double[] rmsNorm(double[] x, int t, int d, double[] w, double eps) {
        double[] y = new double[t * d];
        for (int i = 0; i < t; i++) {
            double sq = 0;
            for (int c = 0; c < d; c++) {
                sq += x[i * d + c] * x[i * d + c];
            }
            double r = Math.sqrt(sq / d + eps);
            for (int c = 0; c < d; c++) {
                y[i * d + c] = w[c] * (x[i * d + c] / r);
            }
        }
        return y;
    }
}
