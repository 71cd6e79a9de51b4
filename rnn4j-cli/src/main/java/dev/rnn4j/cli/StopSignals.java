package dev.rnn4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM during training: the first asks the trainer to stop at the next step boundary (it saves a
 * checkpoint and the command exits 130 or 143); a second one aborts at once.
 *
 * <p>Why {@code sun.misc.Signal} and not a shutdown hook: once a hook runs, the JVM is already shutting down, and a
 * second Ctrl-C then blocks forever instead of aborting (Runtime.exit blocks while hooks run); a hook also cannot
 * choose the exit status or print where the checkpoint went after the trainer finished. {@code sun.misc.Signal} is
 * exported by the {@code jdk.unsupported} module on every JDK since 9. If the JVM refuses a handler (e.g. run with
 * {@code -Xrs}), that signal keeps its default behaviour and the periodic checkpoints are the only safety net; this
 * is reported once.
 */
final class StopSignals implements AutoCloseable {
  private final AtomicInteger received = new AtomicInteger(); // the first signal's number, 0: none
  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();

  private StopSignals() {}

  /** Installs the handlers until {@link #close}. */
  static StopSignals install(PrintStream err) {
    StopSignals s = new StopSignals();
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal sig = new Signal(name);
        SignalHandler old = Signal.handle(sig, s::handle);
        s.signals.add(sig);
        s.previous.add(old);
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        err.println("rnn4j train: cannot catch SIG" + name + " (" + e.getMessage() + "); an interrupt will not save a "
            + "checkpoint, only --checkpoint-every/--checkpoint-minutes will");
      }
    }
    return s;
  }

  private void handle(Signal sig) {
    if (received.compareAndSet(0, sig.getNumber())) {
      System.err.println();
      System.err.println("rnn4j train: SIG" + sig.getName() + " received: saving a checkpoint at the end of this step "
          + "(send it again to abort without saving)");
      System.err.flush();
      return;
    }
    System.err.println();
    System.err.println("rnn4j train: second signal: aborting without saving");
    System.err.flush();
    Runtime.getRuntime().halt(128 + sig.getNumber());
  }

  /** Whether a signal asked to stop. */
  boolean stopRequested() {
    return received.get() != 0;
  }

  /** The conventional exit status for the signal received: 128 + its number (130 for INT, 143 for TERM). */
  int exitCode() {
    return 128 + received.get();
  }

  /** The name of the signal received, e.g. {@code SIGTERM}. */
  String name() {
    int n = received.get();
    for (Signal s : signals) {
      if (s.getNumber() == n) {
        return "SIG" + s.getName();
      }
    }
    return "signal " + n;
  }

  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      Signal.handle(signals.get(i), previous.get(i));
    }
  }
}
