package dev.rnn4j.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package dependencies point one way: runtime (the settings), then util, then tensor, then autograd, then nn, then the libraries built on nn
 * (optim, io, data, generate, loss, which do not use one another), then model and train. The command line (rnn4j-cli)
 * sits on top in its own Maven module, so core cannot reach it.
 *
 * <p>{@code Tensor}'s methods record graph nodes, yet tensor does not import autograd: they call
 * {@code tensor.spi.TensorOps}, which autograd implements (see that interface).
 */
@AnalyzeClasses(packages = "dev.rnn4j", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  @ArchTest
  static final ArchRule dependenciesPointDown =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("runtime").definedBy("dev.rnn4j.runtime..")
          .layer("util").definedBy("dev.rnn4j.util..")
          .layer("tensor").definedBy("dev.rnn4j.tensor..")
          .layer("autograd").definedBy("dev.rnn4j.autograd..")
          .layer("nn").definedBy("dev.rnn4j.nn..")
          .layer("optim").definedBy("dev.rnn4j.optim..")
          .layer("io").definedBy("dev.rnn4j.io..")
          .layer("data").definedBy("dev.rnn4j.data..")
          .layer("generate").definedBy("dev.rnn4j.generate..")
          .layer("loss").definedBy("dev.rnn4j.loss..")
          .layer("model").definedBy("dev.rnn4j.model..")
          .layer("train").definedBy("dev.rnn4j.train..")
          .whereLayer("runtime").mayNotAccessAnyLayer()
          .whereLayer("util").mayOnlyAccessLayers("runtime")
          .whereLayer("tensor").mayOnlyAccessLayers("util", "runtime")
          .whereLayer("autograd").mayOnlyAccessLayers("tensor", "util", "runtime")
          .whereLayer("nn").mayOnlyAccessLayers("autograd", "tensor", "util", "runtime")
          .whereLayer("optim").mayOnlyAccessLayers("nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("io").mayOnlyAccessLayers("nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("data").mayOnlyAccessLayers("nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("generate").mayOnlyAccessLayers("nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("loss").mayOnlyAccessLayers("nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("model")
          .mayOnlyAccessLayers("optim", "io", "data", "generate", "loss", "nn", "autograd", "tensor", "util", "runtime")
          .whereLayer("train")
          .mayOnlyAccessLayers("model", "optim", "io", "data", "generate", "loss", "nn", "autograd", "tensor", "util", "runtime");
}
