package dev.rnn4j.io;

import java.nio.file.Path;

/**
 * Child process of {@link CheckpointCrashTest}: writes the checkpoints of the steps given to {@code args[0]}, in order;
 * run with {@code -Drnn4j.test.crashAt=<point>} it halts at that point of the swap, as kill -9 would.
 */
public final class CheckpointWriterMain {
  private CheckpointWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    for (int i = 1; i < args.length; i++) {
      long step = Long.parseLong(args[i]);
      Checkpoint.write(dir, CheckpointTest.contents(step, step));
    }
  }
}
