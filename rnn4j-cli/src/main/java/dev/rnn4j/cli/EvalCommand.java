package dev.rnn4j.cli;

import com.google.gson.JsonObject;
import dev.rnn4j.data.BpttBatcher;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.cli.task.AdditionEval;
import dev.rnn4j.data.Unknowns;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
    if (data != null && bptt > 0) {
      String text = RunData.readUtf8(data);
      Unknowns unknown = Unknowns.of(l.tokenizer(), text);
      if (!unknown.isEmpty()) {
        out.println("note: " + unknown.describe() + "; each is scored as the <unk> token");
      }
      int[] ids = l.tokenizer().encode(text);
      if (ids.length < 2) {
        throw new IllegalArgumentException("the corpus " + data + " has " + ids.length + " tokens; scoring a stream "
            + "needs at least 2");
      }
      int columns = (int) Math.min(RunData.streamColumns(ids.length, bptt, batchSize), ids.length / 2);
      double[] r = Trainer.streamLoss(l.model(), new BpttBatcher(ids, columns, bptt));
      out.printf("%s: loss %.4f nats/token, perplexity %.3f over %d tokens (one stream, %d column%s, chunks of %d, "
          + "state carried)%n", data, r[0], Math.exp(r[0]), (long) r[1], columns, columns > 1 ? "s" : "", bptt);
      Checkpoints.noteBest(checkpoint, l, spec.commandLine().getErr());
      return 0;
    }
    if (data != null) {
      String text = RunData.readUtf8(data);
      Unknowns unknown = Unknowns.of(l.tokenizer(), text.replace("\r", "").replace("\n", ""));
      if (!unknown.isEmpty()) {
        out.println("note: " + unknown.describe() + "; each is scored as the <unk> token");
      }
      List<int[]> seqs = TextCorpus.lines(text, l.tokenizer(), maxLen);
      if (seqs.isEmpty()) {
        throw new IllegalArgumentException("the corpus " + data + " is empty (no non-blank line)");
      }
      double[] r = Trainer.validationLoss(l.model(), new LengthBatcher(seqs, batchSize));
      out.printf("%s: loss %.4f nats/token, perplexity %.3f over %d tokens%n", data, r[0], Math.exp(r[0]), (long) r[1]);
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
}
