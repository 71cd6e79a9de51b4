package dev.rnn4j.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code rnn4j} command. Each subcommand is a class of its own in this package; this class only wires them and
 * turns errors into one clear line (a stack trace only with {@code --stacktrace}).
 */
@Command(
    name = "rnn4j",
    mixinStandardHelpOptions = true,
    versionProvider = InfoCommand.Version.class,
    description = "Recurrent neural networks in pure Java, exact to PyTorch.",
    subcommands = {
      TrainCommand.class, GenerateCommand.class, EvalCommand.class, DemoCommand.class, InspectCommand.class,
      ConvertCommand.class, BenchCommand.class, InfoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line with rnn4j's error handling. Tests call this instead of {@link #main}. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // A mistyped option or value gets one line naming it and where help is, not the whole usage text.
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine cmd = ex.getCommandLine();
          cmd.getErr().println("rnn4j " + cmd.getCommandName() + ": " + ex.getMessage()
              + " (see 'rnn4j " + (cmd.getCommandName().equals("rnn4j") ? "" : cmd.getCommandName() + " ") + "--help')");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          boolean trace = Boolean.getBoolean("rnn4j.stacktrace") || System.getenv("RNN4J_STACKTRACE") != null;
          if (trace) {
            ex.printStackTrace(cmd.getErr());
          }
          String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
          if (!(ex instanceof IllegalArgumentException
              || ex instanceof IllegalStateException
              || ex instanceof java.io.IOException)) {
            msg = ex.getClass().getSimpleName() + ": " + msg;
          }
          cmd.getErr().println("rnn4j " + cmd.getCommandName() + ": " + msg);
          return 2;
        });
    return cl;
  }

  public static void main(String[] args) {
    // Keep the console quiet (libraries' INFO lines) unless asked; with RNN4J_VERBOSE set, rnn4j's own FINE lines
    // (its runtime settings, kernels and GEMM backend, each logged once) show too.
    if (System.getenv("RNN4J_VERBOSE") == null) {
      Logger.getLogger("").setLevel(Level.WARNING);
      Logger.getLogger("dev.ludovic.netlib").setLevel(Level.WARNING);
    } else {
      Logger.getLogger("dev.rnn4j").setLevel(Level.FINE);
      for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
        h.setLevel(Level.FINE);
      }
    }
    System.exit(commandLine().execute(args));
  }
}
