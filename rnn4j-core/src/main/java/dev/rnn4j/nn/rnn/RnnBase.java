package dev.rnn4j.nn.rnn;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.op.DropoutOp;
import dev.rnn4j.nn.Init;
import dev.rnn4j.nn.Module;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;

/**
 * What {@link Rnn}, {@link Lstm} and {@link Gru} share: PyTorch's {@code RNNBase}. It owns the parameters, one
 * {@link LayerParams} per (layer, direction) in PyTorch's order, registered under PyTorch's names
 * ({@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0}, {@code bias_hh_l0}, {@code weight_hr_l0}, then the
 * same with {@code _reverse}, then layer 1, ...), so a PyTorch state dict loads by name. Every parameter starts from
 * U(-1/sqrt(H), 1/sqrt(H)) drawn from the given generator in that order.
 *
 * <p>Legend: {@code L} padded length, {@code B} batch, {@code D} directions, {@code H_in} input size, {@code H}
 * hidden size, {@code H_out} output size per direction ({@code proj_size} or {@code H}), {@code N} packed rows.
 *
 * <p>Padded input runs as packed input with every length equal to {@code L}. Each (layer, direction) is one
 * autograd node ({@code RecurrentLayerOp}); dropout applies between layers, in training only, drawing from the
 * module's generator.
 *
 * <p><b>Inference and threads.</b> A call that records no graph (under {@code GradMode.disable()}, or when nothing
 * requires grad) is inference: the module then keeps packed copies of its weights for the next call (as PyTorch's RNN
 * modules own their flat weights), retired by the weights' versions (NOTE [tensor versions]), so no one has to say
 * that a weight changed. Contract: any number of threads may run inference on one module at once, and get the same
 * bits as one thread would. While another thread trains it, each inference call sees the weights as they were
 * before or after a whole optimizer step (or {@code loadStateDict}), never a mix, and never the old weights once the
 * step has returned. An inference call that overlaps a step runs again (it reads the weights' versions before and
 * after); a training call (one that records a graph) must not run while another thread changes the weights. Code
 * that writes into a weight through {@code Tensor.data()} itself must call {@code markModified()} after (or write
 * inside a {@code TensorVersion.beginWrite} section if other threads may be reading).
 *
 * <p>The module computes with its {@link RuntimeSettings} ({@link #runtimeSettings()}, by default the process's):
 * whether it keeps packed weights, cuts steps by hidden units, and runs two directions at once.
 */
public abstract class RnnBase extends Module {
  private static final Logger LOG = Logger.getLogger(RnnBase.class.getName());

  /**
   * The parameters of one direction of one layer.
   *
   * @param wIh (G*H, layer input) {@code weight_ih_l{k}[_reverse]}
   * @param wHh (G*H, H_out) {@code weight_hh_l{k}[_reverse]}
   * @param bIh (G*H) or null without bias
   * @param bHh (G*H) or null without bias
   * @param wHr (proj_size, H) LSTM projection or null
   */
  public record LayerParams(int layer, int direction, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor wHr) {
    /** The PyTorch name suffix: {@code l0}, {@code l1_reverse}, ... */
    public String suffix() {
      return suffix(layer, direction);
    }

    static String suffix(int layer, int direction) {
      return "l" + layer + (direction == 1 ? "_reverse" : "");
    }
  }

  private final RnnMode mode;
  private final RnnConfig config;
  private final Generator gen;
  private final List<LayerParams> params; // (numLayers * D) in PyTorch's order
  private final List<KeptWeights> kept; // (numLayers * D) packed weights kept for inference, same order
  private final List<Tensor> weights; // every parameter, for the inference calls' version checks
  private volatile RuntimeSettings settings = RuntimeSettings.current();

  /**
   * Creates the parameters of every (layer, direction) under PyTorch's names and initialises them from {@code gen}
   * with U(-1/sqrt(H), 1/sqrt(H)), as {@code torch.nn.RNNBase.__init__} does.
   */
  protected RnnBase(RnnMode mode, RnnConfig config, Generator gen) {
    this.mode = mode;
    this.config = config;
    this.gen = gen;
    if (config.projSize() > 0 && mode != RnnMode.LSTM) {
      throw new IllegalArgumentException("proj_size argument is only supported for LSTM, not RNN or GRU");
    }
    if (config.dropout() > 0 && config.numLayers() == 1) {
      LOG.warning("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
          + "num_layers greater than 1, but got dropout=" + config.dropout() + " and num_layers="
          + config.numLayers());
    }
    config.checkSizes(mode);
    int h = config.hiddenSize();
    int gateSize = mode.gates() * h;
    int hOut = config.outputHiddenSize();
    int dirs = config.numDirections();
    List<LayerParams> list = new ArrayList<>();
    for (int layer = 0; layer < config.numLayers(); layer++) {
      int layerInput = layer == 0 ? config.inputSize() : hOut * dirs;
      for (int dir = 0; dir < dirs; dir++) {
        String sfx = LayerParams.suffix(layer, dir);
        Tensor wIh = registerParameter("weight_ih_" + sfx, Tensor.zeros(gateSize, layerInput));
        Tensor wHh = registerParameter("weight_hh_" + sfx, Tensor.zeros(gateSize, hOut));
        Tensor bIh = null;
        Tensor bHh = null;
        if (config.bias()) {
          bIh = registerParameter("bias_ih_" + sfx, Tensor.zeros(gateSize));
          bHh = registerParameter("bias_hh_" + sfx, Tensor.zeros(gateSize));
        }
        Tensor wHr = config.projSize() > 0 ? registerParameter("weight_hr_" + sfx, Tensor.zeros(config.projSize(), h))
            : null;
        list.add(new LayerParams(layer, dir, wIh, wHh, bIh, bHh, wHr));
      }
    }
    this.params = List.copyOf(list);
    List<KeptWeights> k = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      k.add(new KeptWeights());
    }
    this.kept = List.copyOf(k);
    this.weights = List.copyOf(namedParameters().values());
    resetParameters();
  }

  /** The settings this module computes with (by default {@link RuntimeSettings#current()}). */
  public final RuntimeSettings runtimeSettings() {
    return settings;
  }

  /**
   * Computes with {@code s} from the next call on: its {@link RuntimeSettings#keepPackedWeights()},
   * {@link RuntimeSettings#stepsByUnits()} and {@link RuntimeSettings#concurrentDirections()} (the kernel width,
   * backend and threads are the process's). Every choice gives the same outputs; this is for A/B measurements and
   * tests. Returns this module.
   */
  public final RnnBase useRuntimeSettings(RuntimeSettings s) {
    this.settings = java.util.Objects.requireNonNull(s, "settings");
    return this;
  }

  /** Refills every parameter from U(-1/sqrt(H), 1/sqrt(H)) in registration order, as PyTorch's reset_parameters. */
  public final void resetParameters() {
    double stdv = 1.0 / Math.sqrt(config.hiddenSize());
    for (Tensor p : namedParameters().values()) {
      Init.uniform(p, stdv, gen);
    }
  }

  /** The cell type: tanh or relu RNN, LSTM or GRU (PyTorch's {@code mode}). */
  public final RnnMode mode() {
    return mode;
  }

  /** The constructor arguments, as PyTorch's {@code nn.LSTM(...)} takes them. */
  public final RnnConfig config() {
    return config;
  }

  /** The parameters per (layer, direction): index {@code layer * D + direction}. */
  public final List<LayerParams> layerParams() {
    return params;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Forward

  /** Runs padded input {@code (L, B, H_in)}, {@code (B, L, H_in)} or unbatched {@code (L, H_in)}. */
  protected final RnnOutput<Tensor> forwardPadded(Tensor input, Tensor h0, Tensor c0) {
    String name = mode.torchName();
    if (input.dim() != 2 && input.dim() != 3) {
      throw new IllegalArgumentException(
          name + ": Expected input to be 2-D or 3-D but received " + input.dim() + "-D tensor of shape "
              + input.shape());
    }
    checkFloat("input", input);
    boolean batched = input.dim() == 3;
    checkStateRank(batched, h0, c0);
    Tensor x = batched ? input : input.unsqueeze(1); // (L, B, H_in) or (B, L, H_in)
    if (batched && config.batchFirst()) {
      x = x.transpose(0, 1);
    }
    int len = x.size(0);
    int batch = x.size(1);
    checkInputSize(x.size(2));
    Tensor hx = h0 == null || batched ? h0 : h0.unsqueeze(1);
    Tensor cx = c0 == null || batched ? c0 : c0.unsqueeze(1);
    checkStates(hx, cx, batch);
    int[] batchSizes = new int[batch == 0 ? 0 : len];
    Arrays.fill(batchSizes, batch);
    Stack s = run(x.view(len * batch, config.inputSize()), batchSizes, batch, hx, cx, false);
    Tensor out = s.output.view(len, batch, s.output.size(1)); // (L, B, D*H_out)
    Tensor hN = s.hN;
    Tensor cN = s.cN;
    if (!batched) {
      out = out.view(len, out.size(2));
      hN = hN.view(hN.size(0), hN.size(2));
      cN = cN == null ? null : cN.view(cN.size(0), cN.size(2));
    } else if (config.batchFirst()) {
      out = out.transpose(0, 1);
    }
    return RnnOutput.of(out, hN, cN);
  }

  /** Runs a packed batch; states are in the caller's batch order. */
  protected final RnnOutput<PackedSequence> forwardPacked(PackedSequence input, Tensor h0, Tensor c0) {
    Tensor data = input.data();
    if (data.dim() != 2) {
      throw new IllegalArgumentException(
          "input must have 2 dimensions (packed data (N, H_in)), got " + data.dim() + " with shape " + data.shape());
    }
    checkFloat("input", data);
    checkInputSize(data.size(1));
    checkStateRank(true, h0, c0);
    int batch = input.batchSize();
    checkStates(h0, c0, batch);
    int[] sorted = input.sortedIndices();
    Tensor hx = h0;
    Tensor cx = c0;
    if (sorted != null) { // states come in the caller's order; the layers work in sorted order
      Tensor idx = longs(sorted);
      hx = hx == null ? null : hx.indexSelect(1, idx);
      cx = cx == null ? null : cx.indexSelect(1, idx);
    }
    Stack s = run(data, input.batchSizes(), batch, hx, cx, true);
    Tensor hN = s.hN;
    Tensor cN = s.cN;
    int[] unsorted = input.unsortedIndices();
    if (unsorted != null) {
      Tensor idx = longs(unsorted);
      hN = hN.indexSelect(1, idx);
      cN = cN == null ? null : cN.indexSelect(1, idx);
    }
    return RnnOutput.of(input.withData(s.output), hN, cN);
  }

  private record Stack(Tensor output, Tensor hN, Tensor cN) {}

  /**
   * The layer stack over packed rows {@code data} (N, H_in); states (numLayers*D, B, *) in sorted order. An inference
   * call reads the weights' versions before and after and runs again if a write section overlapped it (the class
   * comment's contract).
   */
  private Stack run(Tensor data, int[] batchSizes, int batch, Tensor h0, Tensor c0, boolean packed) {
    RuntimeSettings s = settings;
    if (Graph.needsGraph(data, h0, c0) || (GradMode.isEnabled() && anyRequiresGrad(weights))) {
      return runLayers(data, batchSizes, batch, h0, c0, packed, s, false);
    }
    return ConsistentInference.call(weights,
        () -> runLayers(data, batchSizes, batch, h0, c0, packed, s, s.keepPackedWeights()));
  }

  private static boolean anyRequiresGrad(List<Tensor> ts) {
    for (Tensor t : ts) {
      if (t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  private Stack runLayers(Tensor data, int[] batchSizes, int batch, Tensor h0, Tensor c0, boolean packed,
      RuntimeSettings s, boolean keep) {
    int dirs = config.numDirections();
    List<Tensor> hs = new ArrayList<>();
    List<Tensor> cs = new ArrayList<>();
    Tensor layerInput = data;
    for (int layer = 0; layer < config.numLayers(); layer++) {
      List<Tensor> outs = new ArrayList<>(dirs);
      for (RecurrentLayerOp.Result r : runDirections(layer, layerInput, h0, c0, batchSizes, batch, packed, s,
          keep)) {
        outs.add(r.output());
        hs.add(r.hN());
        if (r.cN() != null) {
          cs.add(r.cN());
        }
      }
      Tensor layerOutput = dirs == 1 ? outs.get(0) : Tensor.cat(outs, 1); // (N, D*H_out)
      if (layer < config.numLayers() - 1 && isTraining() && config.dropout() > 0) {
        layerOutput = DropoutOp.apply(layerOutput, config.dropout(), gen);
      }
      layerInput = layerOutput;
    }
    Tensor hN = Tensor.stack(hs, 0);
    Tensor cN = cs.isEmpty() ? null : Tensor.stack(cs, 0);
    return new Stack(layerInput, hN, cN);
  }

  /**
   * The directions of one layer. With exactly two threads, a bidirectional layer runs its two directions at once, one
   * per thread, each with its own products and gates on that thread: a few-row step then needs no hand-off at all,
   * where splitting every step's product and gates over both threads costs two or three hand-offs a step. Each
   * direction computes exactly what it would alone (the nested ranges keep their chunk boundaries, run in order on
   * the one thread), so the result is the same either way.
   */
  RecurrentLayerOp.Result[] runDirections(int layer, Tensor input, Tensor h0, Tensor c0, int[] batchSizes,
      int batch, boolean packed, RuntimeSettings s, boolean keep) {
    int dirs = config.numDirections();
    RecurrentLayerOp.Result[] results = new RecurrentLayerOp.Result[dirs];
    ThreadTeam.RangeBody body = (lo, hi) -> {
      for (int dir = lo; dir < hi; dir++) {
        int k = layer * dirs + dir;
        LayerParams p = params.get(k);
        Tensor h = h0 == null ? null : h0.select(0, k);
        Tensor c = c0 == null ? null : c0.select(0, k);
        results[dir] = RecurrentLayerOp.apply(mode, input, h, c, p.wIh(), p.wHh(), p.bIh(), p.bHh(), p.wHr(),
            batchSizes, batch, dir == 1, packed, keep ? kept.get(k) : null, s.stepsByUnits());
      }
    };
    ThreadTeam team = ThreadTeam.current();
    if (dirs == 2 && s.concurrentDirections() && team.threads() == 2) {
      boolean grad = GradMode.isEnabled(); // per thread: the helper records (or not) as the caller does
      team.forRange(0, dirs, 1, (lo, hi) -> {
        try (GradMode g = grad ? GradMode.enable() : GradMode.disable()) {
          body.run(lo, hi);
        }
      });
    } else {
      body.run(0, dirs);
    }
    return results;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Checks, with PyTorch's messages

  private void checkFloat(String what, Tensor t) {
    if (t.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException(mode.torchName() + ": expected a float32 " + what + ", got " + t.dtype());
    }
  }

  private void checkInputSize(int got) {
    if (got != config.inputSize()) {
      throw new IllegalArgumentException(
          "input.size(-1) must be equal to input_size. Expected " + config.inputSize() + ", got " + got);
    }
  }

  private void checkStateRank(boolean batched, Tensor h0, Tensor c0) {
    int want = batched ? 3 : 2;
    String kind = batched ? "For batched 3-D input" : "For unbatched 2-D input";
    if (h0 != null && h0.dim() != want) {
      throw new IllegalArgumentException(
          kind + ", hx should also be " + want + "-D but got " + h0.dim() + "-D tensor of shape " + h0.shape());
    }
    if (c0 != null && c0.dim() != want) {
      throw new IllegalArgumentException(
          kind + ", cx should also be " + want + "-D but got " + c0.dim() + "-D tensor of shape " + c0.shape());
    }
  }

  private void checkStates(Tensor h0, Tensor c0, int batch) {
    int layersDirs = config.numLayers() * config.numDirections();
    String h = mode == RnnMode.LSTM ? "hidden[0]" : "hidden";
    if (h0 != null) {
      checkFloat("hx", h0);
      Shape want = new Shape(layersDirs, batch, config.outputHiddenSize());
      if (!h0.shape().equals(want)) {
        throw new IllegalArgumentException("Expected " + h + " size " + tuple(want) + ", got " + h0.shape());
      }
    }
    if (c0 != null) {
      if (mode != RnnMode.LSTM) {
        throw new IllegalArgumentException(mode.torchName() + " has no cell state, but c0 was given");
      }
      checkFloat("cx", c0);
      Shape want = new Shape(layersDirs, batch, config.hiddenSize());
      if (!c0.shape().equals(want)) {
        throw new IllegalArgumentException("Expected hidden[1] size " + tuple(want) + ", got " + c0.shape());
      }
    }
  }

  private static String tuple(Shape s) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < s.rank(); i++) {
      sb.append(i > 0 ? ", " : "").append(s.size(i));
    }
    return sb.append(')').toString();
  }

  static Tensor longs(int[] v) {
    long[] l = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      l[i] = v[i];
    }
    return Tensor.ofLongs(l);
  }

  /** PyTorch's repr, e.g. {@code GRU(256, 512, num_layers=2, dropout=0.1, bidirectional=True)}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(mode.torchName()).append('(').append(config.inputSize()).append(", ")
        .append(config.hiddenSize());
    if (config.projSize() != 0) {
      sb.append(", proj_size=").append(config.projSize());
    }
    if (config.numLayers() != 1) {
      sb.append(", num_layers=").append(config.numLayers());
    }
    if (mode == RnnMode.RNN_RELU) {
      sb.append(", nonlinearity=relu");
    }
    if (!config.bias()) {
      sb.append(", bias=False");
    }
    if (config.batchFirst()) {
      sb.append(", batch_first=True");
    }
    if (config.dropout() != 0) {
      sb.append(", dropout=").append(config.dropout());
    }
    if (config.bidirectional()) {
      sb.append(", bidirectional=True");
    }
    return sb.append(')').toString();
  }
}
