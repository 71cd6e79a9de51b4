package dev.rnn4j.serve.engine;

import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.nn.rnn.GateKernels;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.kernel.ScalarKernels;
import dev.rnn4j.util.ThreadTeam;
import java.util.Map;

/**
 * The decoding arithmetic of a {@link LanguageModel} over preallocated per-row buffers ({@link Rows}): one step for
 * many rows at once, and one packed pass over a new prompt. No tensors, no autograd graph and no allocation per token:
 * the weights are copied once, when the stepper is built (a model trained further afterwards is not seen), and every
 * intermediate lives in {@link Rows}.
 *
 * <p>PyTorch's equations, per layer (gates packed as in {@code nn.LSTM}/{@code nn.GRU}): LSTM {@code i,f,g,o},
 * {@code c' = f c + i g}, {@code h' = o tanh(c')} (then {@code W_hr h'} with a projection); GRU {@code r,z,n},
 * {@code n = tanh(W_in x + b_in + r (W_hn h + b_hn))}, {@code h' = (1 - z) n + z h}; RNN {@code h' = tanh(W_ih x +
 * b_ih + W_hh h + b_hh)}. Dropout is the identity (evaluation).
 *
 * <p>Every product goes through {@link RowKernels}, whose results do not depend on which rows share a call; the
 * elementwise gate code is per row. So a row's logits are bitwise the same whatever else is in the batch, and the
 * packed prompt pass gives the same bits as feeding the prompt one token at a time. Not thread-safe: one decoding
 * thread owns a stepper and its rows (its products may run partly on the thread team's helpers, by column blocks, which
 * changes no bit).
 *
 * <p>Legend: {@code L} layers, {@code E} embedding, {@code H} hidden, {@code O} recurrent output ({@code H}, or the
 * LSTM projection size), {@code G} gates (4, 3, 1), {@code V} vocabulary, {@code R} row capacity.
 */
public final class LmStepper {
  /** The largest layer-0 input table ({@code V x G*H} floats) kept: beyond it the input product is computed. */
  static final long MAX_INPUT_TABLE_FLOATS = 16L << 20;

  /**
   * Rows from which a step splits its products over the thread team: from one, as even a single row's step is mostly
   * reading the weights, which two cores do faster than one.
   */
  static final int SPLIT_ROWS = 1;

  enum Cell { LSTM, GRU, RNN }

  private final Cell cell;
  private final int layers, e, h, o, g, v;
  private final float[] embedding; // (V, E)
  // Weights transposed for RowKernels: per layer W_ih^T (in, G*H), W_hh^T (O, G*H), W_hr^T (H, O) or null
  private final RowKernels.Packed[] wIh, wHh, wHr;
  private final float[][] bIh, bHh; // biases (G*H)
  private final RowKernels.Packed dec; // decoder^T (O, V)
  private final float[] decBias; // (V)
  private final float[] inputTable; // (V, G*H): W_ih0 e_v + b_ih0 for every token v, or null
  private final RowKernels k;
  private final ThreadTeam team;
  private final int splitRows;

  /**
   * Copies {@code model}'s weights (its current values) and picks the kernels for this process; steps of at least
   * {@link #SPLIT_ROWS} rows split their products over the runtime's thread team.
   */
  public LmStepper(LanguageModel model) {
    this(model, RowKernels.forProcess(), ThreadTeam.current(), SPLIT_ROWS);
  }

  /**
   * Steps of at least {@code splitRows} rows split their products by column blocks over {@code team} (the same bits as
   * on one thread: each output element is computed whole, by the same operations, on whichever thread).
   */
  LmStepper(LanguageModel model, RowKernels kernels, ThreadTeam team, int splitRows) {
    LanguageModelConfig c = model.config();
    this.k = kernels;
    this.team = team;
    this.splitRows = Math.max(1, splitRows);
    cell = switch (c.modelType()) {
      case "lstm" -> Cell.LSTM;
      case "gru" -> Cell.GRU;
      default -> Cell.RNN;
    };
    layers = c.numLayers();
    e = c.embeddingSize();
    h = c.hiddenSize();
    o = c.outputSize();
    g = cell == Cell.LSTM ? 4 : cell == Cell.GRU ? 3 : 1;
    v = c.vocabSize();
    Map<String, Tensor> p = model.namedParameters();
    embedding = copy(p, "embedding.weight");
    wIh = new RowKernels.Packed[layers];
    wHh = new RowKernels.Packed[layers];
    bIh = new float[layers][];
    bHh = new float[layers][];
    wHr = new RowKernels.Packed[layers];
    for (int l = 0; l < layers; l++) {
      int in = l == 0 ? e : o;
      wIh[l] = k.pack(RowKernels.transpose(copy(p, "rnn.weight_ih_l" + l), g * h, in), g * h, in);
      wHh[l] = k.pack(RowKernels.transpose(copy(p, "rnn.weight_hh_l" + l), g * h, o), g * h, o);
      bIh[l] = p.containsKey("rnn.bias_ih_l" + l) ? copy(p, "rnn.bias_ih_l" + l) : null;
      bHh[l] = p.containsKey("rnn.bias_hh_l" + l) ? copy(p, "rnn.bias_hh_l" + l) : null;
      wHr[l] = p.containsKey("rnn.weight_hr_l" + l)
          ? k.pack(RowKernels.transpose(copy(p, "rnn.weight_hr_l" + l), o, h), o, h) : null;
    }
    dec = k.pack(RowKernels.transpose(copy(p, "decoder.weight"), v, o), v, o);
    decBias = p.containsKey("decoder.bias") ? copy(p, "decoder.bias") : null;
    if ((long) v * g * h <= MAX_INPUT_TABLE_FLOATS) {
      inputTable = new float[v * g * h];
      product(wIh[0], bIh[0], embedding, 0, e, v, inputTable, 0, g * h);
    } else {
      inputTable = null;
    }
  }

  private static float[] copy(Map<String, Tensor> p, String name) {
    Tensor t = p.get(name);
    if (t == null) {
      throw new IllegalArgumentException("the language model has no parameter " + name + "; it has " + p.keySet());
    }
    return t.data().clone();
  }

  /** Vocabulary size {@code V}. */
  public int vocabSize() {
    return v;
  }

  /** The product kernels' name. */
  public String kernelName() {
    return k.name();
  }

  /** Buffers for {@code capacity} rows: state, gate scratch and logits. */
  public Rows newRows(int capacity) {
    return new Rows(capacity);
  }

  /**
   * Preallocated state and scratch for up to {@code capacity} rows; row {@code r}'s values sit at offset
   * {@code r * width} of each array.
   */
  public final class Rows {
    final int capacity;
    final float[][] hs; // per layer (R, O)
    final float[][] cs; // per layer (R, H), LSTM only
    final float[] gi, gh; // (R, G*H)
    final float[] cellOut; // (R, H): o * tanh(c) before the projection
    final float[] x; // (R, E): gathered embeddings when there is no input table
    final float[] logits; // (R, V)
    final float[] act, hgN; // (R, 3H), (R, H): the GRU gate kernel's activations, GRU only

    Rows(int capacity) {
      this.capacity = capacity;
      hs = new float[layers][capacity * o];
      cs = cell == Cell.LSTM ? new float[layers][capacity * h] : null;
      gi = new float[capacity * g * h];
      gh = new float[capacity * g * h];
      cellOut = wHr[0] != null ? new float[capacity * h] : null;
      x = inputTable == null ? new float[capacity * e] : null;
      logits = new float[capacity * v];
      act = cell == Cell.GRU ? new float[capacity * g * h] : null;
      hgN = cell == Cell.GRU ? new float[capacity * h] : null;
    }

    /** Row count these buffers hold. */
    public int capacity() {
      return capacity;
    }

    /** The logits of row {@code r} start at {@code r * V} of this array. */
    public float[] logits() {
      return logits;
    }

    /** Zeroes row {@code r}'s state (a fresh sequence). */
    public void reset(int r) {
      for (int l = 0; l < layers; l++) {
        java.util.Arrays.fill(hs[l], r * o, (r + 1) * o, 0f);
        if (cs != null) {
          java.util.Arrays.fill(cs[l], r * h, (r + 1) * h, 0f);
        }
      }
    }

    /** Copies row {@code from}'s state and logits into row {@code to}. */
    public void copyRow(int from, int to) {
      if (from == to) {
        return;
      }
      for (int l = 0; l < layers; l++) {
        System.arraycopy(hs[l], from * o, hs[l], to * o, o);
        if (cs != null) {
          System.arraycopy(cs[l], from * h, cs[l], to * h, h);
        }
      }
      System.arraycopy(logits, from * v, logits, to * v, v);
    }
  }

  /**
   * One decoding step for rows {@code [0, n)}: row {@code r} reads token {@code tokens[r]}; its state advances in
   * place and its next-token logits land in {@link Rows#logits()}.
   */
  public void step(Rows rows, int[] tokens, int n) {
    step(rows, tokens, 0, n);
  }

  /** {@link #step(Rows, int[], int)} for rows {@code [from, from + n)} only (tokens indexed by row). */
  public void step(Rows rows, int[] tokens, int from, int n) {
    if (n == 0) {
      return;
    }
    int gh3 = g * h;
    for (int l = 0; l < layers; l++) {
      if (l == 0) {
        inputProjection(rows, tokens, from, n, rows.gi, from * gh3);
      } else {
        product(wIh[l], bIh[l], rows.hs[l - 1], from * o, o, n, rows.gi, from * gh3, gh3);
      }
      product(wHh[l], bHh[l], rows.hs[l], from * o, o, n, rows.gh, from * gh3, gh3);
      for (int r = from; r < from + n; r++) {
        cellUpdate(rows, l, r, rows.gi, r * gh3);
      }
      if (wHr[l] != null) {
        product(wHr[l], null, rows.cellOut, from * h, h, n, rows.hs[l], from * o, o);
      }
    }
    product(dec, decBias, rows.hs[layers - 1], from * o, o, n, rows.logits, from * v, v);
  }

  /**
   * One product through the kernels: {@code n} rows of {@code x} against {@code w}; from {@link #splitRows} rows on,
   * its column blocks are split over the team.
   */
  private void product(RowKernels.Packed w, float[] bias, float[] x, int xOff, int xStride, int n, float[] out,
      int outOff, int outStride) {
    if (n < splitRows || team.threads() == 1 || w.blocks() < 2) {
      k.matvec(w, bias, x, xOff, xStride, n, out, outOff, outStride);
      return;
    }
    team.forRange(0, w.blocks(), 1,
        (lo, hi) -> k.matvec(w, bias, x, xOff, xStride, n, out, outOff, outStride, lo, hi));
  }

  /** {@code W_ih0 e + b_ih0} for tokens {@code [from, from + n)} into {@code out} from {@code outOff}, row by row. */
  private void inputProjection(Rows rows, int[] tokens, int from, int n, float[] out, int outOff) {
    int gh3 = g * h;
    if (inputTable != null) {
      for (int r = 0; r < n; r++) {
        System.arraycopy(inputTable, tokens[from + r] * gh3, out, outOff + r * gh3, gh3);
      }
      return;
    }
    float[] x = n <= rows.capacity ? rows.x : new float[n * e];
    for (int r = 0; r < n; r++) {
      System.arraycopy(embedding, tokens[from + r] * e, x, r * e, e);
    }
    product(wIh[0], bIh[0], x, 0, e, n, out, outOff, gh3);
  }

  /**
   * Reads a whole prompt into row {@code r} (from a zero state) as one packed pass: per layer, one input product over
   * all its positions, then the recurrence; logits only at the last position.
   */
  public void prompt(Rows rows, int r, int[] tokens) {
    prompts(rows, r, new int[][] {tokens});
  }

  /**
   * Reads several prompts at once into rows {@code [first, first + prompts.length)} (each from a zero state) as one
   * packed pass, the way {@code pack_padded_sequence} lays them out: prompts sorted by length, longest first; time step
   * {@code s} advances the first {@code batchSizes[s]} rows (those whose prompt is longer than {@code s}) with one
   * product. Per layer, one input product over every prompt's tokens; logits only at each prompt's last position. Row
   * {@code first + i} ends with the same bits as {@link #prompt} of {@code prompts[i]} alone.
   *
   * @throws IllegalArgumentException when a prompt is empty, the lengths increase, or the rows do not fit
   */
  public void prompts(Rows rows, int first, int[][] prompts) {
    int m = prompts.length;
    if (m == 0) {
      return;
    }
    if (first < 0 || first + m > rows.capacity) {
      throw new IllegalArgumentException("rows [" + first + ", " + (first + m) + ") do not fit buffers of "
          + rows.capacity + " rows");
    }
    int maxT = prompts[0].length;
    int total = 0;
    for (int i = 0; i < m; i++) {
      int t = prompts[i].length;
      if (t == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty; a prompt needs at least the <bos> token");
      }
      if (t > (i == 0 ? maxT : prompts[i - 1].length)) {
        throw new IllegalArgumentException("prompts must be sorted by length, longest first: prompt " + i + " has "
            + t + " tokens, prompt " + (i - 1) + " " + prompts[i - 1].length);
      }
      total += t;
    }
    int[] batchSizes = new int[maxT];
    int[] offsets = new int[maxT]; // where time step s starts in the packed (time-major) order
    int[] packed = new int[total];
    for (int s = 0, at = 0; s < maxT; s++) {
      offsets[s] = at;
      for (int i = 0; i < m && prompts[i].length > s; i++) {
        packed[at++] = prompts[i][s];
        batchSizes[s]++;
      }
    }
    for (int i = 0; i < m; i++) {
      rows.reset(first + i);
    }
    int gh3 = g * h;
    float[] giAll = new float[total * gh3]; // (N, G*H): one allocation per pass, not per token
    float[] outs = layers > 1 ? new float[total * o] : null; // (N, O): layer l's outputs, layer l+1's inputs
    for (int l = 0; l < layers; l++) {
      if (l == 0) {
        inputProjection(rows, packed, 0, total, giAll, 0);
      } else {
        product(wIh[l], bIh[l], outs, 0, o, total, giAll, 0, gh3);
      }
      for (int s = 0; s < maxT; s++) {
        int n = batchSizes[s];
        product(wHh[l], bHh[l], rows.hs[l], first * o, o, n, rows.gh, first * gh3, gh3);
        for (int i = 0; i < n; i++) {
          cellUpdate(rows, l, first + i, giAll, (offsets[s] + i) * gh3);
        }
        if (wHr[l] != null) {
          product(wHr[l], null, rows.cellOut, first * h, h, n, rows.hs[l], first * o, o);
        }
        if (outs != null) {
          System.arraycopy(rows.hs[l], first * o, outs, offsets[s] * o, n * o);
        }
      }
    }
    product(dec, decBias, rows.hs[layers - 1], first * o, o, m, rows.logits, first * v, v);
  }

  /** The gate nonlinearities and state update of row {@code r} in layer {@code l}; input gates at {@code gi[giOff]}. */
  private void cellUpdate(Rows rows, int l, int r, float[] gi, int giOff) {
    float[] gh = rows.gh;
    int ghOff = r * g * h;
    float[] hl = rows.hs[l];
    switch (cell) {
      case GRU -> // rnn4j's own GRU gate kernel (lanewise exp/tanh/sigmoid): the same code and offsets for every row
          GateKernels.gruForward(r, r + 1, h, gi, giOff - r * g * h, gh, hl, rows.act, 0, rows.hgN, 0);
      case RNN -> {
        int ho = r * o;
        for (int j = 0; j < h; j++) {
          hl[ho + j] = tanh(gi[giOff + j] + gh[ghOff + j]);
        }
      }
      case LSTM -> {
        float[] cl = rows.cs[l];
        int co = r * h;
        boolean proj = wHr[l] != null;
        float[] dst = proj ? rows.cellOut : hl;
        int dOff = proj ? r * h : r * o;
        for (int j = 0; j < h; j++) {
          float i = sigmoid(gi[giOff + j] + gh[ghOff + j]);
          float f = sigmoid(gi[giOff + h + j] + gh[ghOff + h + j]);
          float gg = tanh(gi[giOff + 2 * h + j] + gh[ghOff + 2 * h + j]);
          float og = sigmoid(gi[giOff + 3 * h + j] + gh[ghOff + 3 * h + j]);
          float c = f * cl[co + j] + i * gg;
          cl[co + j] = c;
          dst[dOff + j] = og * tanh(c);
        }
      }
      default -> throw new IllegalStateException("unknown cell " + cell);
    }
  }

  /** rnn4j's scalar sigmoid (the intrinsic {@link Math#exp}, stable at both tails), as its models compute it. */
  private static float sigmoid(float x) {
    return ScalarKernels.sigmoid(x);
  }

  /** rnn4j's scalar tanh ({@link Math#tanh} is not intrinsified and made up most of a large batch's step). */
  private static float tanh(float x) {
    return ScalarKernels.tanh(x);
  }
}
