package dev.rnn4j.bench.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The workloads of {@code workloads.json} expressed with DJL's PyTorch engine, one for one with
 * {@code scripts/bench/pytorch_bench.py}: DJL's {@link LSTM}/{@link GRU} blocks (which call the engine's fused
 * {@code torch::lstm}/{@code torch::gru}), {@link Linear}, {@code torch::embedding} through {@link Embedding#embedding},
 * {@link Loss#softmaxCrossEntropyLoss()}, DJL's Adam (the engine's fused update) and a {@link GradientCollector}.
 *
 * <p>Forward workloads run with the blocks in inference mode outside any gradient collector (DJL keeps PyTorch's
 * grad mode off there, like {@code torch.no_grad()}); every step runs in an {@link NDScope} so its temporaries are
 * freed at once, as PyTorch frees them when they go out of reach.
 */
final class DjlWorkloads {
  /** One built workload: the timed step and what one step does (tokens or flops; 0 when not applicable). */
  record Built(String name, Runnable step, long tokens, long flops, String note) {}

  private final JsonObject spec;
  private final int vocab;
  private final int emb;
  private final int hidden;
  private final int[] seedLengths;

  DjlWorkloads() {
    try (InputStream in = DjlWorkloads.class.getResourceAsStream("/dev/rnn4j/cli/bench/workloads.json")) {
      if (in == null) {
        throw new IllegalStateException("workloads.json is missing from the classpath (build with -P djl)");
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
  List<String> names() {
    return new ArrayList<>(spec.getAsJsonObject("workloads").keySet());
  }

  /** Builds a workload; its arrays live in {@code manager}. */
  Built build(String name, NDManager manager) {
    JsonObject w = spec.getAsJsonObject("workloads").getAsJsonObject(name);
    if (w == null) {
      throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + names());
    }
    Engine.getInstance().setRandomSeed(0);
    Random rnd = new Random(0);
    String kind = w.get("kind").getAsString();
    switch (kind) {
      case "seed":
        return seed(name, w, manager, rnd);
      case "greedy":
        return greedy(name, w.get("batch").getAsInt(), w.get("steps").getAsInt(), manager, rnd);
      case "train":
        return train(name, w.get("cell").getAsString(), w.get("batch").getAsInt(), w.get("length").getAsInt(),
            manager, rnd);
      case "large":
        return large(name, w, manager);
      case "sgemm":
        return sgemm(name, w.get("n").getAsInt(), manager);
      default:
        throw new IllegalArgumentException("workload '" + name + "' has unknown kind '" + kind
            + "'; expected one of seed, greedy, train, large, sgemm");
    }
  }

  private static RecurrentBlock rnn(String cell, int hiddenSize, int layers, boolean bidirectional, float dropout) {
    if (cell.equals("lstm")) {
      return LSTM.builder().setStateSize(hiddenSize).setNumLayers(layers).optBidirectional(bidirectional)
          .optDropRate(dropout).optBatchFirst(false).optReturnState(true).build();
    }
    if (cell.equals("gru")) {
      return GRU.builder().setStateSize(hiddenSize).setNumLayers(layers).optBidirectional(bidirectional)
          .optDropRate(dropout).optBatchFirst(false).optReturnState(true).build();
    }
    throw new IllegalArgumentException("unknown cell '" + cell + "'; expected lstm or gru");
  }

  /** An embedding table (num, dim), N(0, 1) like torch.nn.Embedding. */
  private static NDArray embeddingTable(NDManager manager, int num, int dim) {
    return manager.randomNormal(new Shape(num, dim));
  }

  /** torch::embedding: ids (...) -> (..., E). */
  private static NDArray embed(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).head();
  }

  /** The notebook's batch: embed, run, zero the padded positions (what pad_packed_sequence returns). */
  private Built seed(String name, JsonObject w, NDManager manager, Random rnd) {
    int b = seedLengths.length;
    int len = seedLengths[0];
    boolean packed = w.get("packed").getAsBoolean();
    boolean bidirectional = w.get("bidirectional").getAsBoolean();
    float dropout = w.has("dropout") ? w.get("dropout").getAsFloat() : 0f;
    NDArray table = embeddingTable(manager, vocab, emb);
    RecurrentBlock rnn = rnn(w.get("cell").getAsString(), hidden, w.get("layers").getAsInt(), bidirectional, dropout);
    rnn.initialize(manager, DataType.FLOAT32, new Shape(len, b, emb));
    ParameterStore ps = new ParameterStore(manager, false);
    long[] ids = new long[b * len]; // (B, L), zero-padded
    float[] mask = new float[len * b]; // (L, B): 1 inside each sequence, 0 on padding
    long tokens = 0;
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < seedLengths[i]; t++) {
        ids[i * len + t] = 1 + rnd.nextInt(vocab - 1);
        mask[t * b + i] = 1f;
      }
      tokens += seedLengths[i];
    }
    NDArray batch = manager.create(ids, new Shape(b, len));
    NDArray padMask = manager.create(mask, new Shape(len, b, 1));
    int layers = w.get("layers").getAsInt();
    boolean gruCell = w.get("cell").getAsString().equals("gru");
    // DJL 0.36's recurrent blocks hand a bidirectional stack's parameters to the engine in the wrong order (all
    // weights, then all biases, per layer) and torch::gru rejects them; call the engine's fused op directly with the
    // parameters in PyTorch's order instead (the same op the block calls).
    NDList torchOrder = bidirectional ? torchOrder(rnn, layers) : null;
    if (bidirectional && !gruCell) {
      throw new IllegalArgumentException("workload '" + name + "': bidirectional runs only for the gru cell here");
    }
    Runnable step = () -> {
      try (NDScope scope = new NDScope()) {
        NDArray x = embed(batch, table).transpose(1, 0, 2); // (L, B, E)
        NDArray out; // (L, B, D*H)
        if (bidirectional) {
          NDArray h0 = manager.zeros(new Shape(2L * layers, b, hidden));
          out = x.getNDArrayInternal().gru(x, h0, torchOrder, true, layers, dropout, false, true, false).head();
        } else {
          out = rnn.forward(ps, new NDList(x), false).head();
        }
        if (packed) {
          out.mul(padMask); // (L, B, D*H), zero past each length
        }
      }
    };
    String note = null;
    if (packed) {
      note = "DJL has no packed sequences: runs the padded batch (every row all " + len + " steps) and zeroes the"
          + " padded outputs as pad_packed_sequence would"
          + (bidirectional ? "; the reverse direction therefore starts on the padding, unlike a packed run;"
          + " torch::gru called directly (DJL's bidirectional GRU block passes its parameters in the wrong order)"
          : "");
    }
    return new Built(name, step, tokens, 0, note);
  }

  /**
   * The block's parameters in the order torch::lstm / torch::gru take them: per layer, per direction (forward, then
   * reverse), w_ih, w_hh, b_ih, b_hh. DJL names them {@code l_<layer>_...} (forward) and {@code r_<layer>_...}.
   */
  static NDList torchOrder(RecurrentBlock rnn, int layers) {
    var byName = rnn.getParameters();
    NDList out = new NDList();
    for (int layer = 0; layer < layers; layer++) {
      for (String dir : new String[] {"l", "r"}) {
        for (String kind : new String[] {"i2h_WEIGHT", "h2h_WEIGHT", "i2h_BIAS", "h2h_BIAS"}) {
          String key = dir + "_" + layer + "_" + kind;
          Parameter p = byName.get(key);
          if (p == null) {
            throw new IllegalStateException("recurrent block has no parameter " + key + "; has " + byName.keys());
          }
          out.add(p.getArray());
        }
      }
    }
    return out;
  }

  /** The notebook's greedy loop: GRU step, Linear head, argmax fed back through the embedding. */
  private Built greedy(String name, int batch, int steps, NDManager manager, Random rnd) {
    NDArray table = embeddingTable(manager, vocab, emb);
    RecurrentBlock gru = rnn("gru", hidden, 1, false, 0f);
    gru.initialize(manager, DataType.FLOAT32, new Shape(1, batch, emb), new Shape(1, batch, hidden));
    Linear head = Linear.builder().setUnits(vocab).build();
    head.initialize(manager, DataType.FLOAT32, new Shape(1, batch, hidden));
    ParameterStore ps = new ParameterStore(manager, false);
    long[] first = new long[batch];
    for (int i = 0; i < batch; i++) {
      first[i] = rnd.nextInt(vocab);
    }
    NDArray firstIds = manager.create(first);
    Runnable step = () -> {
      try (NDScope scope = new NDScope()) {
        NDArray ids = firstIds;
        NDArray h = manager.zeros(new Shape(1, batch, hidden));
        for (int t = 0; t < steps; t++) {
          NDArray x = embed(ids, table).expandDims(0); // (1, B, E)
          NDList out = gru.forward(ps, new NDList(x, h), false); // output (1, B, H), h (1, B, H)
          h = out.get(1);
          ids = head.forward(ps, new NDList(out.get(0)), false).head().argMax(-1).squeeze(0); // (B,)
        }
        ids.toLongArray();
      }
    };
    return new Built(name, step, (long) batch * steps, 0, null);
  }

  /**
   * One training step: embedding -> 1-layer RNN -> Linear, cross-entropy, global-norm clip 1.0 (as
   * torch.nn.utils.clip_grad_norm_: scale by min(1, 1 / (norm + 1e-6))), Adam 1e-3.
   */
  private Built train(String name, String cell, int batch, int length, NDManager manager, Random rnd) {
    NDArray table = embeddingTable(manager, vocab, emb);
    table.setRequiresGradient(true);
    RecurrentBlock rnn = rnn(cell, hidden, 1, false, 0f);
    rnn.initialize(manager, DataType.FLOAT32, new Shape(length, batch, emb));
    Linear head = Linear.builder().setUnits(vocab).build();
    head.initialize(manager, DataType.FLOAT32, new Shape(length, batch, hidden));
    List<String> ids = new ArrayList<>();
    List<NDArray> params = new ArrayList<>();
    ids.add("embedding.weight");
    params.add(table);
    for (AbstractBlock block : List.of(rnn, head)) {
      for (var p : block.getParameters()) {
        Parameter param = p.getValue();
        ids.add(block.getClass().getSimpleName() + "." + p.getKey());
        params.add(param.getArray());
      }
    }
    for (NDArray p : params) {
      if (!p.hasGradient()) {
        p.setRequiresGradient(true);
      }
    }
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
    Loss loss = Loss.softmaxCrossEntropyLoss();
    ParameterStore ps = new ParameterStore(manager, false);
    Engine engine = manager.getEngine();
    long[] x = new long[length * batch];
    long[] y = new long[length * batch];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextInt(vocab);
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = rnd.nextInt(vocab);
    }
    Runnable step = () -> {
      // A sub-manager, not an NDScope: Adam creates its moment arrays lazily on the first update, and a scope
      // would close them. Everything made from the step's own inputs attaches to the sub-manager.
      try (NDManager sub = manager.newSubManager()) {
        NDArray xs = sub.create(x, new Shape(length, batch));
        NDArray ys = sub.create(y, new Shape((long) length * batch));
        try (GradientCollector gc = engine.newGradientCollector()) {
          NDArray out = rnn.forward(ps, new NDList(embed(xs, table)), true).head(); // (L, B, H)
          NDArray logits = head.forward(ps, new NDList(out), true).head().reshape(-1, vocab); // (L*B, V)
          NDArray l = loss.evaluate(new NDList(ys), new NDList(logits));
          gc.backward(l);
        }
        NDList grads = new NDList();
        for (NDArray p : params) {
          grads.add(p.getGradient());
        }
        grads.attach(sub);
        float sq = 0f;
        for (NDArray g : grads) {
          sq += g.square().sum().getFloat();
        }
        float coef = (float) Math.min(1.0, 1.0 / (Math.sqrt(sq) + 1e-6));
        for (NDArray g : grads) {
          g.muli(coef);
        }
        for (int i = 0; i < params.size(); i++) {
          adam.update(ids.get(i), params.get(i), grads.get(i));
        }
        for (NDArray g : grads) {
          g.muli(0); // PyTorch accumulates gradients: zero them for the next step
        }
      }
    };
    return new Built(name, step, (long) batch * length, 0, null);
  }

  /** 2-layer LSTM forward; flops counted as in pytorch_bench.py (the gate GEMMs only). */
  private Built large(String name, JsonObject w, NDManager manager) {
    int b = w.get("batch").getAsInt();
    int len = w.get("length").getAsInt();
    int in = w.get("input").getAsInt();
    int hh = w.get("hidden").getAsInt();
    int layers = w.get("layers").getAsInt();
    RecurrentBlock rnn = rnn(w.get("cell").getAsString(), hh, layers, false, 0f);
    rnn.initialize(manager, DataType.FLOAT32, new Shape(len, b, in));
    ParameterStore ps = new ParameterStore(manager, false);
    NDArray x = manager.randomNormal(new Shape(len, b, in));
    long flops = 0;
    for (int layer = 0; layer < layers; layer++) {
      long fin = layer == 0 ? in : hh;
      flops += 2L * len * b * 4 * hh * (fin + hh);
    }
    Runnable step = () -> {
      try (NDScope scope = new NDScope()) {
        rnn.forward(ps, new NDList(x), false); // (L, B, H)
      }
    };
    return new Built(name, step, 0, flops, null);
  }

  private Built sgemm(String name, int n, NDManager manager) {
    NDArray a = manager.randomNormal(new Shape(n, n));
    NDArray bm = manager.randomNormal(new Shape(n, n));
    Runnable step = () -> {
      try (NDScope scope = new NDScope()) {
        a.matMul(bm);
      }
    };
    return new Built(name, step, 0, 2L * n * n * n, null);
  }
}
