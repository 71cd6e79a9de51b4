package dev.rnn4j.nn.rnn.pack;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.autograd.Node;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/**
 * The one data movement behind every packing function: {@code out[i] = in[src[i]]} row by row, or
 * {@code paddingValue} where {@code src[i] == -1}. A row is everything after the leading dims (the feature vector of
 * one step of one sequence). Backward scatters the output gradient back: {@code dIn[src[i]] += dOut[i]}.
 *
 * <p>Packing, padding, sorting the batch and {@code batchFirst} transposes are all folded into the index map, so a
 * pack or pad is one copy and one autograd node.
 */
final class RowGather extends Node {
  private final String name;
  private final Shape inShape;
  private int[] src; // (rows of out), -1 for padding

  private RowGather(String name, Tensor in, int[] src) {
    super(in);
    this.name = name;
    this.inShape = in.shape();
    this.src = src;
  }

  /**
   * Gathers rows of width {@code rowWidth} from {@code in} into a new tensor of {@code outShape}.
   *
   * @param src for each output row, the input row or -1 for a padding row
   */
  static Tensor apply(String name, Tensor in, int rowWidth, int[] src, Shape outShape, float paddingValue) {
    assert outShape.numel() == src.length * rowWidth;
    float[] x = in.data();
    float[] y = new float[outShape.numel()];
    for (int i = 0; i < src.length; i++) {
      int s = src[i];
      if (s < 0) {
        if (paddingValue != 0f) {
          java.util.Arrays.fill(y, i * rowWidth, (i + 1) * rowWidth, paddingValue);
        }
      } else {
        System.arraycopy(x, s * rowWidth, y, i * rowWidth, rowWidth);
      }
    }
    Tensor out = Tensor.wrap(y, outShape);
    if (Graph.needsGraph(in)) {
      Graph.record(new RowGather(name, in, src), out);
    }
    return out;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float[] g = gradOutputs[0].data();
    float[] dx = new float[inShape.numel()];
    int width = src.length == 0 ? 0 : g.length / src.length;
    for (int i = 0; i < src.length; i++) {
      int s = src[i];
      if (s >= 0) {
        int o = s * width;
        int p = i * width;
        for (int k = 0; k < width; k++) {
          dx[o + k] += g[p + k];
        }
      }
    }
    return new Tensor[] {Tensor.wrap(dx, inShape)};
  }

  @Override
  protected void releaseSaved() {
    src = null;
  }
}
