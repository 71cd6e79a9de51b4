/**
 * rnn4j-core: tensors with autograd, PyTorch's recurrent layers, losses, optimizers, training and PyTorch
 * interchange. Start with {@link dev.rnn4j.tensor.Tensor}, {@link dev.rnn4j.nn.rnn.Lstm} and
 * {@link dev.rnn4j.nn.rnn.pack.Packing}.
 *
 * <p>Only the API packages are exported. The kernels ({@code tensor.kernel}), the GEMM ({@code tensor.gemm}), the
 * graph ops ({@code autograd.op}), the service interface between tensor and autograd ({@code tensor.spi}) and the
 * thread team ({@code util}) are not. rnn4j-cli and rnn4j-bench read some of them (the kernel choice, the GEMM
 * backend, the thread count); they run on the class path, where a module's exports do not apply, so no qualified
 * export is needed.
 *
 * <p>The Vector API is optional ({@code requires static}): without {@code --add-modules jdk.incubator.vector} the
 * scalar kernels run.
 */
module dev.rnn4j.core {
  requires static jdk.incubator.vector;
  requires java.logging;
  requires transitive com.google.gson; // LanguageModelConfig, TrainConfig and Checkpoint speak Gson's JsonObject
  requires dev.ludovic.netlib.blas;
  requires pickle; // net.razorvine:pickle has no module name of its own; this is the one derived from its jar name

  exports dev.rnn4j.runtime;
  exports dev.rnn4j.tensor;
  exports dev.rnn4j.autograd;
  exports dev.rnn4j.nn;
  exports dev.rnn4j.nn.rnn;
  exports dev.rnn4j.nn.rnn.pack;
  exports dev.rnn4j.loss;
  exports dev.rnn4j.optim;
  exports dev.rnn4j.io;
  exports dev.rnn4j.data;
  exports dev.rnn4j.generate;
  exports dev.rnn4j.model;
  exports dev.rnn4j.train;

  uses dev.rnn4j.tensor.spi.TensorOps;

  provides dev.rnn4j.tensor.spi.TensorOps with dev.rnn4j.autograd.op.AutogradOps;
}
