package dev.rnn4j.cli;

import dev.rnn4j.runtime.RuntimeSettings;
import dev.rnn4j.tensor.gemm.Blas;
import dev.rnn4j.tensor.gemm.Gemm;
import dev.rnn4j.tensor.kernel.KernelSelector;
import dev.rnn4j.util.ThreadTeam;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rnn4j info}: the version and the runtime choices (kernels, BLAS, threads) of this machine. */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Print the version, the kernels, the BLAS backend and the thread count.")
final class InfoCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * The version in the manifest of the jar this class came from ({@code Implementation-Version}, written by the build
   * from the POM's version), or a note saying there is none (classes run from a directory, as in the tests).
   */
  static String version() {
    String v = InfoCommand.class.getPackage().getImplementationVersion();
    return v != null ? v : "(version unknown: not run from a jar)";
  }

  /** picocli's version provider. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"rnn4j " + version()};
    }
  }

  @Override
  public void run() {
    var out = spec.commandLine().getOut();
    out.println("rnn4j " + version());
    out.println("java      " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    out.println("kernels   " + KernelSelector.kernels().name());
    out.println("gemm      " + Gemm.implementation() + ": " + Blas.description());
    out.println("threads   " + ThreadTeam.current().threads() + (Blas.blasOwnsThreads() ? " (OpenBLAS threads itself)" : ""));
    out.println("settings  (system property rnn4j.NAME or environment variable RNN4J_NAME)");
    RuntimeSettings.current().asMap().forEach((k, v) -> out.printf("  %-21s %s%n", k, v));
  }
}
