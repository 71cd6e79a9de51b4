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
          if (ex instanceof java.io.IOException io) {
            msg = dev.rnn4j.io.IoErrors.describe(io);
          }
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
    // The kernel and BLAS choices are logged at INFO; keep the console quiet unless asked.
    if (System.getenv("RNN4J_VERBOSE") == null) {
      Logger.getLogger("").setLevel(Level.WARNING);
      Logger.getLogger("dev.ludovic.netlib").setLevel(Level.WARNING);
    }
    int code;
    try {
      code = commandLine().execute(args);
    } catch (OutOfMemoryError e) {
      System.err.println(outOfMemory(args.length > 0 ? args[0] : ""));
      code = 2;
    }
    System.exit(code);
  }

  /** The one line an OutOfMemoryError becomes: the heap limit and how to raise it. */
  static String outOfMemory(String command) {
    return "rnn4j " + command + ": out of memory (the Java heap is at most " + Runtime.getRuntime().maxMemory() / (1 << 20)
        + " MB); give it more with RNN4J_JAVA_OPTS=-Xmx8g (or java -Xmx8g), or use a smaller --batch-size, --hidden-size or --max-len";
  }
}
