package dev.rnn4j.tensor.spi;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The differentiable operations behind {@link Tensor}'s methods ({@code add}, {@code matmul}, {@code view},
 * {@code backward}, ...). {@code Tensor} is the user's API, but the operations record graph nodes, so they belong to
 * the autograd layer above this package: {@code dev.rnn4j.autograd.op.AutogradOps} implements this interface, and
 * {@code Tensor} finds it once, through {@link ServiceLoader}, the first time it needs an operation. The provider is
 * declared in {@code module-info.java} ({@code provides}) and in {@code META-INF/services} for the class path. This
 * keeps the package dependencies one way (tensor, then autograd, then nn) without a mutable registry: the
 * implementation is chosen once and never changes.
 *
 * <p>Not part of the API: the package is not exported.
 */
public interface TensorOps {
  Tensor add(Tensor a, Tensor b);

  Tensor sub(Tensor a, Tensor b);

  Tensor mul(Tensor a, Tensor b);

  Tensor div(Tensor a, Tensor b);

  /** The comparisons; their results are bool tensors without a gradient. */
  enum Comparison {
    EQ, NE, LT, LE, GT, GE
  }

  Tensor compare(Comparison cmp, Tensor a, Tensor b);

  /** The elementwise functions of one argument. */
  enum UnaryFunction {
    NEG, EXP, LOG, TANH, SIGMOID, RELU, SQRT
  }

  Tensor unary(UnaryFunction fn, Tensor in);

  Tensor pow(Tensor in, double exponent);

  /** {@code lo} or {@code hi} is {@code NaN} for a one-sided clamp. */
  Tensor clamp(Tensor in, double lo, double hi);

  Tensor where(Tensor cond, Tensor a, Tensor b);

  Tensor gather(Tensor in, int d, Tensor index);

  Tensor matmul(Tensor a, Tensor b);

  Tensor maskedFill(Tensor in, Tensor mask, float value);

  Tensor softmax(Tensor in, int d, boolean log);

  /** A view of {@code in}'s storage as {@code shape}; {@code gradFnName} is the node name PyTorch prints. */
  Tensor view(Tensor in, Shape shape, String gradFnName);

  Tensor permute(Tensor in, int[] dims, String gradFnName);

  Tensor narrow(Tensor in, int d, int start, int length, String gradFnName);

  Tensor indexSelect(Tensor in, int d, Tensor index, String gradFnName);

  Tensor cat(List<Tensor> tensors, int d, String gradFnName);

  Tensor sumAll(Tensor in, boolean mean);

  Tensor sumDim(Tensor in, int d, boolean keepDim, boolean mean);

  ValuesIndices maxDim(Tensor in, int d, boolean keepDim);

  ValuesIndices minDim(Tensor in, int d, boolean keepDim);

  Tensor maxAll(Tensor in);

  Tensor minAll(Tensor in);

  ValuesIndices sort(Tensor in, int d, boolean descending);

  /** Back-propagates {@code gradient} through the graph behind {@code root}. */
  void backward(Tensor root, Tensor gradient, boolean retainGraph);

  /**
   * The one implementation on the class path or module path.
   *
   * @throws IllegalStateException when there is none (a fat jar built without merging {@code META-INF/services})
   *     or more than one
   */
  static TensorOps load() {
    Iterator<TensorOps> it = ServiceLoader.load(TensorOps.class, TensorOps.class.getClassLoader()).iterator();
    if (!it.hasNext()) {
      throw new IllegalStateException("expected one implementation of " + TensorOps.class.getName()
          + " (rnn4j-core's autograd), got none: a jar that repackages rnn4j-core must keep its "
          + "META-INF/services/" + TensorOps.class.getName() + " file");
    }
    TensorOps ops = it.next();
    if (it.hasNext()) {
      throw new IllegalStateException("expected one implementation of " + TensorOps.class.getName() + ", got "
          + ops.getClass().getName() + " and " + it.next().getClass().getName());
    }
    return ops;
  }
}
