package dev.rnn4j.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package dependencies point one way: util, then tensor, then autograd, then nn, then the libraries built on nn
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
          .whereLayer("util").mayNotAccessAnyLayer()
          .whereLayer("tensor").mayOnlyAccessLayers("util")
          .whereLayer("autograd").mayOnlyAccessLayers("tensor", "util")
          .whereLayer("nn").mayOnlyAccessLayers("autograd", "tensor", "util")
          .whereLayer("optim").mayOnlyAccessLayers("nn", "autograd", "tensor", "util")
          .whereLayer("io").mayOnlyAccessLayers("nn", "autograd", "tensor", "util")
          .whereLayer("data").mayOnlyAccessLayers("nn", "autograd", "tensor", "util")
          .whereLayer("generate").mayOnlyAccessLayers("nn", "autograd", "tensor", "util")
          .whereLayer("loss").mayOnlyAccessLayers("nn", "autograd", "tensor", "util")
          .whereLayer("model")
          .mayOnlyAccessLayers("optim", "io", "data", "generate", "loss", "nn", "autograd", "tensor", "util")
          .whereLayer("train")
          .mayOnlyAccessLayers("model", "optim", "io", "data", "generate", "loss", "nn", "autograd", "tensor", "util");
}
