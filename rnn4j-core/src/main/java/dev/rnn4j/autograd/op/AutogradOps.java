package dev.rnn4j.autograd.op;

import dev.rnn4j.autograd.Graph;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.ValuesIndices;
import dev.rnn4j.tensor.spi.TensorOps;
import java.util.List;

/**
 * The autograd layer's implementation of {@link Tensor}'s methods: each one is an op of this package, which computes
 * the result and records its node. Registered as the {@link TensorOps} service ({@code module-info.java} and
 * {@code META-INF/services}); {@code Tensor} loads it once.
 */
public final class AutogradOps implements TensorOps {
  /** For {@link java.util.ServiceLoader}. */
  public AutogradOps() {}

  @Override
  public Tensor add(Tensor a, Tensor b) {
    return Binary.apply(Binary.Kind.ADD, a, b);
  }

  @Override
  public Tensor sub(Tensor a, Tensor b) {
    return Binary.apply(Binary.Kind.SUB, a, b);
  }

  @Override
  public Tensor mul(Tensor a, Tensor b) {
    return Binary.apply(Binary.Kind.MUL, a, b);
  }

  @Override
  public Tensor div(Tensor a, Tensor b) {
    return Binary.apply(Binary.Kind.DIV, a, b);
  }

  @Override
  public Tensor compare(Comparison cmp, Tensor a, Tensor b) {
    Binary.Cmp c;
    switch (cmp) {
      case EQ:
        c = Binary.Cmp.EQ;
        break;
      case NE:
        c = Binary.Cmp.NE;
        break;
      case LT:
        c = Binary.Cmp.LT;
        break;
      case LE:
        c = Binary.Cmp.LE;
        break;
      case GT:
        c = Binary.Cmp.GT;
        break;
      default:
        c = Binary.Cmp.GE;
    }
    return Binary.compare(c, a, b);
  }

  @Override
  public Tensor unary(UnaryFunction fn, Tensor in) {
    Unary.Kind k;
    switch (fn) {
      case NEG:
        k = Unary.Kind.NEG;
        break;
      case EXP:
        k = Unary.Kind.EXP;
        break;
      case LOG:
        k = Unary.Kind.LOG;
        break;
      case TANH:
        k = Unary.Kind.TANH;
        break;
      case SIGMOID:
        k = Unary.Kind.SIGMOID;
        break;
      case RELU:
        k = Unary.Kind.RELU;
        break;
      default:
        k = Unary.Kind.SQRT;
    }
    return Unary.apply(k, in);
  }

  @Override
  public Tensor pow(Tensor in, double exponent) {
    return Pow.apply(in, exponent);
  }

  @Override
  public Tensor clamp(Tensor in, double lo, double hi) {
    return Clamp.apply(in, lo, hi);
  }

  @Override
  public Tensor where(Tensor cond, Tensor a, Tensor b) {
    return Where.apply(cond, a, b);
  }

  @Override
  public Tensor gather(Tensor in, int d, Tensor index) {
    return Gather.apply(in, d, index);
  }

  @Override
  public Tensor matmul(Tensor a, Tensor b) {
    return MatMul.apply(a, b);
  }

  @Override
  public Tensor maskedFill(Tensor in, Tensor mask, float value) {
    return MaskedFill.apply(in, mask, value);
  }

  @Override
  public Tensor softmax(Tensor in, int d, boolean log) {
    return Softmax.apply(in, d, log);
  }

  @Override
  public Tensor view(Tensor in, Shape shape, String gradFnName) {
    return View.apply(in, shape, gradFnName);
  }

  @Override
  public Tensor permute(Tensor in, int[] dims, String gradFnName) {
    return Permute.apply(in, dims, gradFnName);
  }

  @Override
  public Tensor narrow(Tensor in, int d, int start, int length, String gradFnName) {
    return Narrow.apply(in, d, start, length, gradFnName);
  }

  @Override
  public Tensor indexSelect(Tensor in, int d, Tensor index, String gradFnName) {
    return IndexSelect.apply(in, d, index, gradFnName);
  }

  @Override
  public Tensor cat(List<Tensor> tensors, int d, String gradFnName) {
    return Cat.apply(tensors, d, gradFnName);
  }

  @Override
  public Tensor sumAll(Tensor in, boolean mean) {
    return Reduce.sumAll(in, mean);
  }

  @Override
  public Tensor sumDim(Tensor in, int d, boolean keepDim, boolean mean) {
    return Reduce.sumDim(in, d, keepDim, mean);
  }

  @Override
  public ValuesIndices maxDim(Tensor in, int d, boolean keepDim) {
    return Reduce.maxDim(in, d, keepDim);
  }

  @Override
  public ValuesIndices minDim(Tensor in, int d, boolean keepDim) {
    return Reduce.minDim(in, d, keepDim);
  }

  @Override
  public Tensor maxAll(Tensor in) {
    return Reduce.maxAll(in);
  }

  @Override
  public Tensor minAll(Tensor in) {
    return Reduce.minAll(in);
  }

  @Override
  public ValuesIndices sort(Tensor in, int d, boolean descending) {
    return Reduce.sort(in, d, descending);
  }

  @Override
  public void backward(Tensor root, Tensor gradient, boolean retainGraph) {
    Graph.backward(root, gradient, retainGraph);
  }
}
