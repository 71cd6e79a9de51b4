package dev.rnn4j.cli;

import dev.rnn4j.data.Unknowns;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.cli.task.AdditionTask;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rnn4j generate}: continues a prompt with a trained checkpoint, streaming tokens to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Continue a prompt with a trained model, streaming the tokens as they come.")
final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--checkpoint", required = true, description = "checkpoint directory (or the run directory holding it)")
  Path checkpoint;

  @Option(names = "--prompt", defaultValue = "", description = "text to continue (default: start from <bos>)")
  String prompt;

  @Option(names = "--strategy", defaultValue = "greedy", description = "greedy, sample or beam (default: ${DEFAULT-VALUE})")
  String strategy;

  @Option(names = "--temperature", defaultValue = "1.0", description = "sampling temperature (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "sample among the k likeliest tokens, 0 = all")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "sample within this probability mass (nucleus)")
  double topP;

  @Option(names = "--beam-width", defaultValue = "4", description = "beam width (default: ${DEFAULT-VALUE})")
  int beamWidth;

  @Option(names = "--length-penalty", defaultValue = "1.0", description = "beam score = log p / length^penalty")
  double lengthPenalty;

  @Option(names = "--max-new-tokens", defaultValue = "100", description = "length limit (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--stop", description = "stop when the text ends with this string (repeatable)")
  List<String> stops = new ArrayList<>();

  @Option(names = "--no-eos", description = "do not stop at the end token")
  boolean noEos;

  @Option(names = "--num-samples", defaultValue = "1", description = "continuations generated together as one batch")
  int numSamples;

  @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--allow-nonfinite", description = "use a checkpoint even if its weights hold NaN or infinity")
  boolean allowNonFinite;

  /** Continuations are generated as one batch: each holds its own state and output. */
  static final int MAX_SAMPLES = 4096;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (numSamples < 1 || numSamples > MAX_SAMPLES) {
      throw new IllegalArgumentException("--num-samples must be in [1, " + MAX_SAMPLES + "], got " + numSamples);
    }
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("--max-new-tokens must be 0 or more, got " + maxNewTokens);
    }
    Checkpoints.Loaded l = Checkpoints.load(checkpoint, allowNonFinite);
    DecodeOptions o = switch (strategy) {
      case "greedy" -> DecodeOptions.greedy();
      case "sample" -> DecodeOptions.sample(temperature, topK, topP);
      case "beam" -> DecodeOptions.beam(beamWidth, lengthPenalty);
      default -> throw new IllegalArgumentException("--strategy must be greedy, sample or beam, got '" + strategy + "'");
    };

    o.maxNewTokens(maxNewTokens).seed(seed).eosId(noEos ? -1 : Vocabulary.EOS_ID);
    if (!stops.isEmpty()) {
      o.stopStrings(stops, l.tokenizer()::piece);
    }
    com.google.gson.JsonObject extra = l.contents().trainerState().getAsJsonObject("extra");
    AdditionTask task = extra != null && "addition".equals(kindOf(extra)) ? new AdditionTask(extra.get("digits").getAsInt())
        : null;
    String text = prompt;
    if (task != null && AdditionTask.isPrompt(prompt)) {
      text = task.parse(prompt).prompt(); // the model reads zero-padded operands
    }
    int[] ids = l.tokenizer().encode(text);
    Unknowns unknown = Unknowns.of(l.tokenizer(), text);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("the prompt has tokens the model never saw: " + unknown.describe()
          + " (of " + l.tokenizer().vocabulary().size() + " tokens)");
    }
    int[] p = Checkpoints.promptIds(l, ids);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < numSamples; i++) {
      prompts.add(p);
    }
    boolean word = l.tokenizer().kind().equals("word");
    Decoder.TokenListener stream = numSamples == 1
        ? (s, t) -> {
          out.print((word ? " " : "") + l.tokenizer().piece(t));
          out.flush();
        }
        : null;
    if (numSamples == 1) {
      out.print(text);
      out.flush();
    }
    List<Decoder.Result> res = new Decoder<LanguageModel.State>(l.model()).generate(prompts, o, stream);
    if (numSamples == 1) {
      out.println();
    } else {
      for (Decoder.Result r : res) {
        out.println(text + (word ? " " : "") + l.tokenizer().decode(r.tokens()));
      }
    }
    if (task != null && AdditionTask.isPrompt(prompt) && numSamples == 1) {
      long v = AdditionTask.readAnswer(l.tokenizer().decode(res.get(0).tokens()));
      AdditionTask.Problem pr = task.parse(prompt);
      out.println("(operands zero-padded, sum least-significant digit first: " + pr.a() + "+" + pr.b() + "="
          + (v < 0 ? "?" : String.valueOf(v)) + ")");
    }
    out.flush();
    Checkpoints.noteBest(checkpoint, l, spec.commandLine().getErr());
    return 0;
  }

  private static String kindOf(com.google.gson.JsonObject extra) {
    return extra.has("kind") ? extra.get("kind").getAsString() : "";
  }
}
