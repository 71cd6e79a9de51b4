package dev.rnn4j.nn.rnn;

/**
 * The constructor arguments of PyTorch's {@code nn.RNN}/{@code nn.LSTM}/{@code nn.GRU}, with PyTorch's names,
 * defaults and validation messages. Build one with {@link #builder(int, int)}:
 *
 * <pre>{@code
 * RnnConfig cfg = RnnConfig.builder(256, 512).numLayers(2).dropout(0.1).bidirectional(true).build();
 * }</pre>
 *
 * @param inputSize features of the input, {@code H_in}
 * @param hiddenSize features of the hidden state, {@code H}
 * @param numLayers stacked layers (default 1)
 * @param bias whether the layers have {@code bias_ih}/{@code bias_hh} (default true)
 * @param batchFirst input and output are {@code (B, L, *)} instead of {@code (L, B, *)}; never applies to states
 * @param dropout dropout on the outputs of every layer but the last, in training only (default 0)
 * @param bidirectional run a reverse direction too (default false)
 * @param projSize LSTM only: project the hidden state to this size (0 = no projection, the default)
 */
public record RnnConfig(
    int inputSize,
    int hiddenSize,
    int numLayers,
    boolean bias,
    boolean batchFirst,
    double dropout,
    boolean bidirectional,
    int projSize) {
  /**
   * Checks the values with PyTorch's messages (sizes and layers positive, dropout in [0, 1],
   * {@code 0 <= projSize < hiddenSize}); otherwise {@link IllegalArgumentException}.
   */
  public RnnConfig {
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new IllegalArgumentException(
          "dropout should be a number in range [0, 1] representing the probability of an element being zeroed, "
              + "got " + dropout);
    }
    if (inputSize <= 0) {
      throw new IllegalArgumentException("input_size must be greater than zero, got " + inputSize);
    }
    if (hiddenSize <= 0) {
      throw new IllegalArgumentException("hidden_size must be greater than zero, got " + hiddenSize);
    }
    if (numLayers <= 0) {
      throw new IllegalArgumentException("num_layers must be greater than zero, got " + numLayers);
    }
    if (projSize < 0) {
      throw new IllegalArgumentException(
          "proj_size should be a positive integer or zero to disable projections, got " + projSize);
    }
    if (projSize >= hiddenSize) {
      throw new IllegalArgumentException(
          "proj_size has to be smaller than hidden_size, got proj_size=" + projSize + " and hidden_size="
              + hiddenSize);
    }
  }

  /** The largest Java array, hence the most elements a weight tensor can hold. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /**
   * Checks that every weight a {@code mode} network of this configuration needs fits one Java array: the gate size
   * {@code gates * hidden_size} and each {@code (gate_size, input)} matrix, with the allowed range in the message.
   */
  public void checkSizes(RnnMode mode) {
    long gateSize = (long) mode.gates() * hiddenSize;
    long widestInput = Math.max(inputSize, (long) outputHiddenSize() * numDirections());
    long largest = gateSize * Math.max(widestInput, hiddenSize);
    if (gateSize > MAX_ELEMENTS || largest > MAX_ELEMENTS) {
      throw new IllegalArgumentException(mode.torchName() + " with hidden_size " + hiddenSize + " and input_size "
          + inputSize + " needs a weight of " + gateSize + " x " + Math.max(widestInput, hiddenSize) + " = " + largest
          + " elements; at most " + MAX_ELEMENTS + " fit (hidden_size * " + mode.gates() + " * max(input, hidden) must "
          + "stay within that range)");
    }
  }

  /** Number of directions: 2 when bidirectional, else 1. */
  public int numDirections() {
    return bidirectional ? 2 : 1;
  }

  /** Size of the hidden state and of each direction's output: {@code projSize} when set, else {@code hiddenSize}. */
  public int outputHiddenSize() {
    return projSize > 0 ? projSize : hiddenSize;
  }

  /** A builder with PyTorch's defaults for everything but the two required sizes. */
  public static Builder builder(int inputSize, int hiddenSize) {
    return new Builder(inputSize, hiddenSize);
  }

  /** Builder with PyTorch's defaults: 1 layer, bias, time-major, no dropout, one direction, no projection. */
  public static final class Builder {
    private final int inputSize;
    private final int hiddenSize;
    private int numLayers = 1;
    private boolean bias = true;
    private boolean batchFirst;
    private double dropout;
    private boolean bidirectional;
    private int projSize;

    private Builder(int inputSize, int hiddenSize) {
      this.inputSize = inputSize;
      this.hiddenSize = hiddenSize;
    }

    /** PyTorch: {@code num_layers}. */
    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    /** Whether the layers have {@code bias_ih} and {@code bias_hh}. */
    public Builder bias(boolean v) {
      bias = v;
      return this;
    }

    /** PyTorch: {@code batch_first}. */
    public Builder batchFirst(boolean v) {
      batchFirst = v;
      return this;
    }

    /**
     * Dropout probability on every layer's output but the last; with one layer it has no effect, and the network logs
     * PyTorch's warning.
     */
    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    /** Adds the reverse direction. */
    public Builder bidirectional(boolean v) {
      bidirectional = v;
      return this;
    }

    /** PyTorch: {@code proj_size} (LSTM only). */
    public Builder projSize(int v) {
      projSize = v;
      return this;
    }

    /** The config; the values are checked here (see {@link RnnConfig}). */
    public RnnConfig build() {
      return new RnnConfig(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }
  }
}
