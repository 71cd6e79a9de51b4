package dev.rnn4j.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code rnn4j} command. Each subcommand is a class of its own in this package; this class only wires them and
 * turns errors into one clear line, {@code rnn4j COMMAND: message}. The stack trace comes too with
 * {@code --stacktrace} (accepted before or after the command), the environment variable {@code RNN4J_STACKTRACE} (any
 * value) or {@code -Drnn4j.stacktrace=true}.
 */
@Command(
    name = "rnn4j",
    mixinStandardHelpOptions = true,
    versionProvider = InfoCommand.Version.class,
    description = "Recurrent neural networks in pure Java, exact to PyTorch.",
    subcommands = {
      TrainCommand.class, GenerateCommand.class, EvalCommand.class, DemoCommand.class, InspectCommand.class,
      ConvertCommand.class, BenchCommand.class, InfoCommand.class, ServeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Read from the parse result by the error handler; declared here so that every command accepts and documents it. */
  @CommandLine.Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description = "On an error, print the stack trace as well as the one-line message (also RNN4J_STACKTRACE=1).")
  boolean stacktrace;

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
          String name = ex.getCommandLine().getCommandSpec().qualifiedName(); // "rnn4j" or "rnn4j train"
          ex.getCommandLine().getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          if (stackTraceWanted(parseResult)) {
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
          cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + msg);
          return 2;
        });
    return cl;
  }

  /** {@code --stacktrace} on the command line (before or after the command), RNN4J_STACKTRACE or -Drnn4j.stacktrace. */
  private static boolean stackTraceWanted(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--stacktrace")) {
        return true;
      }
    }
    return Boolean.getBoolean("rnn4j.stacktrace") || System.getenv("RNN4J_STACKTRACE") != null;
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
