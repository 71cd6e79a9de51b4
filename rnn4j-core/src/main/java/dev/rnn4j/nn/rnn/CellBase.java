package dev.rnn4j.nn.rnn;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.nn.Init;
import dev.rnn4j.nn.Module;
import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/**
 * What the single-step cells share: PyTorch's {@code RNNCellBase}. Parameters {@code weight_ih} {@code (G*H, H_in)},
 * {@code weight_hh} {@code (G*H, H)}, {@code bias_ih}, {@code bias_hh} {@code (G*H)}, registered in that order and
 * drawn from U(-1/sqrt(H), 1/sqrt(H)). A step runs the same fused kernels and autograd node as the layers (a one-step
 * packed batch), so cells and layers agree to the bit.
 */
abstract class CellBase extends Module {
  private final RnnMode mode;
  private final int inputSize;
  private final int hiddenSize;
  private final Tensor wIh; // (G*H, H_in)
  private final Tensor wHh; // (G*H, H)
  private final Tensor bIh; // (G*H) or null
  private final Tensor bHh; // (G*H) or null
  private final List<Tensor> weights; // every parameter, for the inference calls' version checks
  private final KeptWeights kept = new KeptWeights(); // packed weights kept between inference calls

  CellBase(RnnMode mode, int inputSize, int hiddenSize, boolean bias, Generator gen) {
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException(
          "input_size and hidden_size must be greater than zero, got input_size=" + inputSize + ", hidden_size="
              + hiddenSize);
    }
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    int g = mode.gates() * hiddenSize;
    wIh = registerParameter("weight_ih", Tensor.zeros(g, inputSize));
    wHh = registerParameter("weight_hh", Tensor.zeros(g, hiddenSize));
    bIh = bias ? registerParameter("bias_ih", Tensor.zeros(g)) : null;
    bHh = bias ? registerParameter("bias_hh", Tensor.zeros(g)) : null;
    weights = List.copyOf(namedParameters().values());
    double stdv = 1.0 / Math.sqrt(hiddenSize);
    for (Tensor p : namedParameters().values()) {
      Init.uniform(p, stdv, gen);
    }
  }

  /** Features of the input {@code x}: PyTorch's {@code input_size}. */
  public final int inputSize() {
    return inputSize;
  }

  /** Features of the hidden state: PyTorch's {@code hidden_size}. */
  public final int hiddenSize() {
    return hiddenSize;
  }

  /**
   * One step. {@code x} {@code (B, H_in)} or {@code (H_in)}; {@code h}, {@code c} {@code (B, H)} or {@code (H)} or
   * null for zeros. Returns {@code h'} and, for LSTM, {@code c'}, unbatched when {@code x} was.
   */
  final Tensor[] step(Tensor x, Tensor h, Tensor c) {
    String name = mode.torchName() + "Cell";
    if (x.dim() != 1 && x.dim() != 2) {
      throw new IllegalArgumentException(
          name + ": Expected input to be 1-D or 2-D but received " + x.dim() + "-D tensor of shape " + x.shape());
    }
    if (x.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException(name + ": expected a float32 input, got " + x.dtype());
    }
    boolean batched = x.dim() == 2;
    Tensor xb = batched ? x : x.unsqueeze(0);
    if (xb.size(1) != inputSize) {
      throw new IllegalArgumentException(
          "input has inconsistent input_size: got " + xb.size(1) + " expected " + inputSize);
    }
    int batch = xb.size(0);
    Tensor hb = state("hidden0", h, batched, batch);
    Tensor cb = state("cx", c, batched, batch);
    int[] batchSizes = batch == 0 ? new int[0] : new int[] {batch};
    RuntimeSettings s = RuntimeSettings.current();
    RecurrentLayerOp.Result r;
    if (Graph.needsGraph(xb, hb, cb, wIh, wHh, bIh, bHh)) {
      r = RecurrentLayerOp.apply(mode, xb, hb, cb, wIh, wHh, bIh, bHh, null, batchSizes, batch, false, false, null,
          s.stepsByUnits());
    } else { // inference: the thread-safety contract of RnnBase, with the cell's own kept packed weights
      KeptWeights k = s.keepPackedWeights() ? kept : null;
      r = ConsistentInference.call(weights, () -> RecurrentLayerOp.apply(mode, xb, hb, cb, wIh, wHh, bIh, bHh, null,
          batchSizes, batch, false, false, k, s.stepsByUnits()));
    }
    Tensor hn = batched ? r.hN() : r.hN().view(hiddenSize);
    Tensor cn = r.cN() == null ? null : batched ? r.cN() : r.cN().view(hiddenSize);
    return new Tensor[] {hn, cn};
  }

  private Tensor state(String what, Tensor s, boolean batched, int batch) {
    if (s == null) {
      return null;
    }
    if (s.dim() != (batched ? 2 : 1)) {
      throw new IllegalArgumentException(
          mode.torchName() + "Cell: Expected " + what + " to be " + (batched ? "2-D" : "1-D") + " for "
              + (batched ? "batched 2-D" : "unbatched 1-D") + " input, but got " + s.dim() + "-D tensor of shape "
              + s.shape());
    }
    Tensor sb = batched ? s : s.unsqueeze(0);
    if (sb.size(0) != batch) {
      throw new IllegalArgumentException(
          "Input batch size " + batch + " doesn't match " + what + " batch size " + sb.size(0));
    }
    if (sb.size(1) != hiddenSize) {
      throw new IllegalArgumentException(
          what + " has inconsistent hidden_size: got " + sb.size(1) + ", expected " + hiddenSize);
    }
    return sb;
  }

  /** {@code weight_ih}, {@code (gates * hiddenSize, inputSize)}, gates packed in PyTorch's order. */
  public final Tensor weightIh() {
    return wIh;
  }

  /** {@code weight_hh}, {@code (gates * hiddenSize, hiddenSize)}, gates packed in PyTorch's order. */
  public final Tensor weightHh() {
    return wHh;
  }

  /** {@code bias_ih} or null. */
  public final Tensor biasIh() {
    return bIh;
  }

  /** {@code bias_hh} or null. */
  public final Tensor biasHh() {
    return bHh;
  }

  @Override
  public String toString() {
    return mode.torchName() + "Cell(" + inputSize + ", " + hiddenSize + (bIh == null ? ", bias=False" : "")
        + (mode == RnnMode.RNN_RELU ? ", nonlinearity=relu" : "") + ")";
  }
}
