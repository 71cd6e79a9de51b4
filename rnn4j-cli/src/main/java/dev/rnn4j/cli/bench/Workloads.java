package dev.rnn4j.cli.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.Module;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnBase;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.optim.Adam;
import dev.rnn4j.optim.GradClip;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.gemm.Gemm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark workloads, built from {@code workloads.json} (the single definition that
 * {@code scripts/bench/pytorch_bench.py} reads too). Forward workloads run in eval mode under
 * {@link GradMode#disable()}, as PyTorch's run under {@code torch.no_grad()}.
 */
public final class Workloads {
  private final JsonObject spec;
  private final int vocab;
  private final int emb;
  private final int hidden;
  private final int[] seedLengths;

  public Workloads() {
    try (InputStream in = Workloads.class.getResourceAsStream("/dev/rnn4j/cli/bench/workloads.json")) {
      if (in == null) {
        throw new IllegalStateException("workloads.json is missing from the classpath");
      }
      spec = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    vocab = spec.get("vocab").getAsInt();
    emb = spec.get("embedding").getAsInt();
    hidden = spec.get("hidden").getAsInt();
    var lens = spec.getAsJsonArray("seed_lengths");
    seedLengths = new int[lens.size()];
    for (int i = 0; i < seedLengths.length; i++) {
      seedLengths[i] = lens.get(i).getAsInt();
    }
  }

  /** Workload names in definition order. */
  public List<String> names() {
    return new ArrayList<>(spec.getAsJsonObject("workloads").keySet());
  }

  /** Builds a workload (allocating its model and data). */
  public Workload build(String name) {
    JsonObject w = spec.getAsJsonObject("workloads").getAsJsonObject(name);
    if (w == null) {
      throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + names());
    }
    Generator gen = new Generator(0);
    switch (w.get("kind").getAsString()) {
      case "seed":
        return seed(name, w, gen);
      case "greedy":
        return greedy(name, w.get("batch").getAsInt(), w.get("steps").getAsInt(), gen);
      case "train":
        return train(name, w.get("cell").getAsString(), w.get("batch").getAsInt(), w.get("length").getAsInt(), gen);
      case "large":
        return large(name, w, gen);
      case "sgemm":
        return sgemm(name, w.get("n").getAsInt(), gen);
      default:
        throw new IllegalArgumentException("workload '" + name + "' has unknown kind " + w.get("kind"));
    }
  }

  private RnnBase rnn(String cell, RnnConfig cfg, Generator gen) {
    return cell.equals("lstm") ? new Lstm(cfg, gen) : new Gru(cfg, gen);
  }

  private static Tensor forward(RnnBase rnn, Tensor x) {
    return rnn instanceof Lstm l ? l.forward(x).output() : ((Gru) rnn).forward(x).output();
  }

  private static PackedSequence forward(RnnBase rnn, PackedSequence x) {
    return rnn instanceof Lstm l ? l.forward(x).output() : ((Gru) rnn).forward(x).output();
  }

  /** The notebook's batch: embed, (pack), run, (unpack). */
  private Workload seed(String name, JsonObject w, Generator gen) {
    Embedding embedding = new Embedding(vocab, emb, gen);
    RnnConfig cfg = RnnConfig.builder(emb, hidden)
        .numLayers(w.get("layers").getAsInt())
        .bidirectional(w.get("bidirectional").getAsBoolean())
        .dropout(w.has("dropout") ? w.get("dropout").getAsDouble() : 0.0)
        .build();
    RnnBase rnn = rnn(w.get("cell").getAsString(), cfg, gen);
    embedding.eval();
    rnn.eval();
    int b = seedLengths.length;
    int len = seedLengths[0];
    long[] ids = new long[b * len]; // (B, L), zero-padded
    long tokens = 0;
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < seedLengths[i]; t++) {
        ids[i * len + t] = 1 + gen.nextInt(vocab - 1);
      }
      tokens += seedLengths[i];
    }
    Tensor batch = Tensor.ofLongs(ids, b, len);
    int[] lengths = seedLengths.clone();
    boolean packed = w.get("packed").getAsBoolean();
    Runnable step = () -> {
      try (GradMode g = GradMode.disable()) {
        Tensor x = embedding.forward(batch).transpose(0, 1); // (L, B, E)
        if (packed) {
          PackedSequence out = forward(rnn, Packing.packPaddedSequence(x, lengths, false, true));
          Packing.padPackedSequence(out);
        } else {
          forward(rnn, x);
        }
      }
    };
    return new Workload(name, step, tokens, 0);
  }

  /** The notebook's greedy loop: GRU step, Linear head, argmax fed back through the embedding. */
  private Workload greedy(String name, int batch, int steps, Generator gen) {
    Embedding embedding = new Embedding(vocab, emb, gen);
    Gru gru = new Gru(RnnConfig.builder(emb, hidden).build(), gen);
    Linear head = new Linear(hidden, vocab, gen);
    long[] first = new long[batch];
    for (int i = 0; i < batch; i++) {
      first[i] = gen.nextInt(vocab);
    }
    Runnable step = () -> {
      try (GradMode g = GradMode.disable()) {
        Tensor ids = Tensor.ofLongs(first);
        Tensor h = Tensor.zeros(1, batch, hidden);
        for (int t = 0; t < steps; t++) {
          var out = gru.forward(embedding.forward(ids).unsqueeze(0), h);
          h = out.hN();
          ids = head.forward(out.output()).argmax(-1, false).squeeze(0);
        }
      }
    };
    return new Workload(name, step, (long) batch * steps, 0);
  }

  /** The language model that the training workloads step. */
  private static final class Lm extends Module {
    final Embedding embedding;
    final RnnBase rnn;
    final Linear decoder;

    Lm(Embedding e, RnnBase r, Linear d) {
      embedding = registerModule("embedding", e);
      rnn = registerModule("rnn", r);
      decoder = registerModule("decoder", d);
    }
  }

  /** One full training step: embedding, 1-layer RNN, Linear, cross-entropy, clip 1.0, Adam 1e-3. */
  private Workload train(String name, String cell, int batch, int length, Generator gen) {
    Lm lm = new Lm(new Embedding(vocab, emb, gen), rnn(cell, RnnConfig.builder(emb, hidden).build(), gen),
        new Linear(hidden, vocab, gen));
    Adam adam = new Adam(lm.namedParameters(), Adam.Options.defaults().withLr(1e-3));
    Tensor x = Tensor.randint(gen, 0, vocab, length, batch);
    Tensor y = Tensor.randint(gen, 0, vocab, length * batch);
    List<Tensor> params = lm.parameters();
    Runnable step = () -> {
      adam.zeroGrad();
      Tensor out = forward(lm.rnn, lm.embedding.forward(x)); // (L, B, H)
      Tensor logits = lm.decoder.forward(out).view(length * batch, vocab);
      Losses.crossEntropy(logits, y).backward();
      GradClip.clipGradNorm(params, 1.0, 2.0);
      adam.step();
    };
    return new Workload(name, step, (long) batch * length, 0);
  }

  /** A large 2-layer LSTM forward; FLOPs count the GEMMs (2 per multiply-add). */
  private Workload large(String name, JsonObject w, Generator gen) {
    int b = w.get("batch").getAsInt();
    int len = w.get("length").getAsInt();
    int in = w.get("input").getAsInt();
    int hs = w.get("hidden").getAsInt();
    int layers = w.get("layers").getAsInt();
    Lstm lstm = new Lstm(RnnConfig.builder(in, hs).numLayers(layers).build(), gen);
    lstm.eval();
    Tensor x = Tensor.randn(gen, len, b, in);
    double flops = 0;
    for (int l = 0; l < layers; l++) {
      int fin = l == 0 ? in : hs;
      flops += 2.0 * len * b * 4 * hs * (fin + hs);
    }
    Runnable step = () -> {
      try (GradMode g = GradMode.disable()) {
        lstm.forward(x);
      }
    };
    return new Workload(name, step, 0, flops);
  }

  /** The GEMM path's ceiling: C = A B on n x n matrices. */
  private Workload sgemm(String name, int n, Generator gen) {
    float[] a = Tensor.randn(gen, n, n).data();
    float[] bm = Tensor.randn(gen, n, n).data();
    float[] c = new float[n * n];
    Runnable step = () -> Gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, bm, 0, n, 0f, c, 0, n);
    return new Workload(name, step, 0, 2.0 * n * n * n);
  }
}
