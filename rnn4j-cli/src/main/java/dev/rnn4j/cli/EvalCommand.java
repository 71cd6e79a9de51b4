package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.CharTokenPass;
import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.TokenFile;
import dev.rnn4j.cli.task.AdditionEval;
import dev.rnn4j.data.Unknowns;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rnn4j eval}: loss and perplexity of a checkpoint on a text file, or on its built-in task's held-out set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Loss and perplexity of a checkpoint (and accuracy on the built-in task).")
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--checkpoint", required = true, description = "checkpoint directory, or a run directory: its best/ "
      + "(lowest validation loss) when it has one, else its checkpoint/")
  Path checkpoint;

  @Option(names = "--data", description = "UTF-8 text file to score, one sequence per line (default: the built-in task's held-out problems)")
  Path data;

  @Option(names = "--max-len", defaultValue = "256", description = "longest sequence in tokens (default: ${DEFAULT-VALUE})")
  int maxLen;

  @Option(names = "--batch-size", defaultValue = "64", description = "sequences per batch; with --bptt, at most this "
      + "many stream columns (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--bptt", defaultValue = "0", description = "score --data as one stream, as training with --bptt does: "
      + "chunks of this many steps with the state carried from each to the next, in as few columns as give each at "
      + "least 50 chunks (at most --batch-size); 0 = one sequence per line (default: ${DEFAULT-VALUE})")
  int bptt;

  @Option(names = "--allow-nonfinite", description = "score a checkpoint even if its weights hold NaN or infinity")
  boolean allowNonFinite;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (maxLen < 1) {
      throw new IllegalArgumentException("--max-len must be at least 1, got " + maxLen);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
    }
    if (bptt < 0 || bptt > 1_000_000) {
      throw new IllegalArgumentException("--bptt must be in [0, 1000000] (0 = line by line), got " + bptt);
    }
    if (bptt > 0 && data == null) {
      throw new IllegalArgumentException("--bptt scores a text file: give --data FILE");
    }
    Checkpoints.Loaded l = Checkpoints.load(checkpoint, allowNonFinite);
    if (data != null) {
      scoreFile(l, out);
      Checkpoints.noteBest(checkpoint, l, spec.commandLine().getErr());
      return 0;
    }
    JsonObject extra = l.contents().trainerState().getAsJsonObject("extra");
    if (extra == null || !extra.has("kind") || !extra.get("kind").getAsString().equals("addition")) {
      throw new IllegalArgumentException("this checkpoint was not trained on the built-in task; pass --data FILE");
    }
    RunData rd = RunData.build(extra, l.tokenizer(), batchSize);
    double[] r = Trainer.validationLoss(l.model(), rd.validation());
    double acc = AdditionEval.accuracy(l.model(), rd.task(), rd.heldOut(), 256);
    out.printf("held-out addition problems: loss %.4f nats/token, perplexity %.3f, exact-match accuracy %.1f%% (%d problems)%n",
        r[0], Math.exp(r[0]), 100 * acc, rd.heldOut().size());
    Checkpoints.noteBest(checkpoint, l, spec.commandLine().getErr());
    return 0;
  }

  /**
   * Scores the checkpoint on {@code --data} and prints the loss, read as training reads its text: one pass into a
   * temporary token file (one stream with {@code --bptt}, else one sequence per line), then batches drawn from its
   * mapping, so the text is never held in memory. Unknown tokens are named on {@code out} first.
   */
  private void scoreFile(Checkpoints.Loaded l, PrintWriter out) throws IOException {
    int lineLimit = bptt > 0 ? 0 : maxLen; // 0: the token file holds one stream
    RunData.checkReadable(data);
    Path dir = Files.createTempDirectory("rnn4j-eval");
    try {
      Path bin = dir.resolve("tokens.bin");
      TokenFile tokens;
      Unknowns unknown;
      if (l.tokenizer() instanceof CharTokenizer c) {
        CharTokenPass.Result r = CharTokenPass.encode(data, c, lineLimit, bin, null, null, (t, u) -> new JsonObject());
        tokens = r.tokens();
        unknown = r.unknowns();
      } else {
        Unknowns.Counter counter = new Unknowns.Counter(l.tokenizer());
        tokens = TokenFile.fromText(data, l.tokenizer(), lineLimit, bin, counter, null, JsonObject::new);
        unknown = counter.result();
      }
      try (tokens) {
        if (!unknown.isEmpty()) {
          out.println("note: " + unknown.describe() + "; each is scored as the <unk> token");
        }
        if (bptt > 0) {
          long n = tokens.stream().length();
          if (n < 2) {
            throw new IllegalArgumentException("the corpus " + data + " has " + n + " tokens; scoring a stream "
                + "needs at least 2");
          }
          int columns = (int) Math.min(RunData.streamColumns(n, bptt, batchSize), n / 2);
          double[] r = Trainer.streamLoss(l.model(), new BpttBatcher(tokens.stream(), columns, bptt));
          out.printf("%s: loss %.4f nats/token, perplexity %.3f over %d tokens (one stream, %d column%s, chunks of "
              + "%d, state carried)%n", data, r[0], Math.exp(r[0]), (long) r[1], columns, columns > 1 ? "s" : "", bptt);
          return;
        }
        if (tokens.numSequences() == 0) {
          throw new IllegalArgumentException("the corpus " + data + " is empty (no non-blank line)");
        }
        double[] r = Trainer.validationLoss(l.model(), new LengthBatcher(tokens.sequences(), batchSize));
        out.printf("%s: loss %.4f nats/token, perplexity %.3f over %d tokens%n", data, r[0], Math.exp(r[0]),
            (long) r[1]);
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
