package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.model.LanguageModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each listed command-line option reaches the configuration it names. {@code train}: the run's saved configuration
 * (and, where cheap, its effect: SGD keeps no Adam moments, two epochs take twice the steps of one). {@code generate}:
 * the command prints exactly what the library's {@link Decoder} gives with the same {@link DecodeOptions}, and each
 * option changes that output on this checkpoint (so a mix-up between options would show).
 */
class CliOptionsTest {
  @TempDir static Path tmp;
  static Path corpus;
  static Path run;

  private static CliTest.Run cli(String... args) {
    return CliTest.run(args);
  }

  @BeforeAll
  static void trainWithEveryOption() throws IOException {
    corpus = tmp.resolve("corpus.txt");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 48; i++) { // some lines longer than --max-len 5 words
      sb.append("the cat sat on the mat ").append(i % 5).append(i % 3 == 0 ? " and then it slept all day\n" : "\n");
    }
    Files.writeString(corpus, sb.toString(), StandardCharsets.UTF_8);
    run = tmp.resolve("run");
    CliTest.Run r = cli("train", "--data", corpus.toString(), "--model", "lstm", "--proj-size", "3", "--hidden-size",
        "8", "--embedding-size", "4", "--batch-size", "8", "--optimizer", "sgd", "--schedule", "step", "--lr", "0.05",
        "--min-lr", "0.002", "--weight-decay", "0.01", "--clip", "0.5", "--epochs", "2", "--checkpoint-every", "3",
        "--tokenizer", "word", "--max-len", "5", "--bptt", "0", "--warmup", "1", "--eval-every", "0", "--samples", "0",
        "--out", run.toString(), "--no-progress", "--threads", "1");
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void trainOptionsReachTheRunConfiguration() throws IOException {
    Checkpoint.Contents ck = Checkpoint.read(run.resolve("checkpoint"));
    JsonObject tc = ck.trainerState().getAsJsonObject("train_config");
    assertEquals("sgd", tc.get("optimizer").getAsString());
    assertEquals("step", tc.get("schedule").getAsString());
    assertEquals(0.05, tc.get("lr").getAsDouble());
    assertEquals(0.002, tc.get("min_lr").getAsDouble());
    assertEquals(0.01, tc.get("weight_decay").getAsDouble());
    assertEquals(0.5, tc.get("clip").getAsDouble());
    assertEquals(3, tc.get("checkpoint_every").getAsInt());
    assertEquals("lstm", ck.config().get("model_type").getAsString());
    assertEquals(3, ck.config().get("proj_size").getAsInt());
    assertEquals(List.of(3, 8), List.of(ck.model().get("rnn.weight_hr_l0").shape().dims()[0],
        ck.model().get("rnn.weight_hr_l0").shape().dims()[1]), "--proj-size 3 gives weight_hr_l0 (3, 8)");
    JsonObject source = ck.trainerState().getAsJsonObject("extra");
    assertEquals("word", source.get("tokenizer").getAsString());
    assertEquals(5, source.get("max_len").getAsInt());
    assertTrue(ck.vocabJson().contains("\"word\""), "--tokenizer word writes a word vocabulary: " + ck.vocabJson());
    // SGD (no momentum) keeps no Adam moments
    assertFalse(ck.optimizer().keySet().stream().anyMatch(k -> k.contains("exp_avg")), ck.optimizer().keySet()
        .toString());

    // --epochs: two epochs are twice the steps of one, and the run took them all
    Path one = tmp.resolve("one-epoch");
    CliTest.Run r = cli("train", "--data", corpus.toString(), "--hidden-size", "8", "--embedding-size", "4",
        "--batch-size", "8", "--epochs", "1", "--tokenizer", "word", "--max-len", "5", "--bptt", "0", "--eval-every", "0",
        "--lr", "0.02", "--min-lr", "0.004", "--warmup", "0", "--schedule", "cosine",
        "--samples", "0", "--out", one.toString(), "--no-progress", "--threads", "1");
    assertEquals(0, r.code(), r.err());
    int steps1 = Checkpoint.read(one.resolve("checkpoint")).trainerState().getAsJsonObject("train_config")
        .get("steps").getAsInt();
    assertTrue(steps1 > 0);
    assertEquals(2 * steps1, tc.get("steps").getAsInt());
    assertEquals(2L * steps1, ck.trainerState().get("step").getAsLong());

    // the learning rates the steps used: --lr with --schedule step halves from 0.05 after one warm-up step, and
    // --clip records each step's gradient norm; cosine from --lr 0.02 ends near --min-lr 0.004, never below it
    List<JsonObject> stepLines = stepMetrics(run);
    assertEquals(2 * steps1, stepLines.size());
    for (JsonObject line : stepLines.subList(1, stepLines.size())) {
      double lr = line.get("lr").getAsDouble();
      double halvings = Math.log(0.05 / lr) / Math.log(2);
      assertEquals(Math.rint(halvings), halvings, 1e-9, "a step-schedule lr is 0.05 / 2^k, got " + lr);
      assertTrue(line.has("grad_norm"), "--clip 0.5 clips and records the norm: " + line);
    }
    assertEquals(0.05, stepLines.get(1).get("lr").getAsDouble(), 1e-12);
    List<JsonObject> cos = stepMetrics(one);
    assertEquals(0.02, cos.get(0).get("lr").getAsDouble(), 1e-12);
    double last = cos.get(cos.size() - 1).get("lr").getAsDouble();
    assertTrue(last >= 0.004 && last < 0.012, "the cosine ends near --min-lr 0.004, got " + last);
  }

  private static List<JsonObject> stepMetrics(Path dir) throws IOException {
    List<JsonObject> out = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonObject o = com.google.gson.JsonParser.parseString(l).getAsJsonObject();
      if (o.has("lr")) {
        out.add(o);
      }
    }
    return out;
  }

  /** The command's output lines, and the library's answer for the same options. */
  private static List<String> generate(String prompt, String... options) {
    List<String> args = new ArrayList<>(List.of("generate", "--checkpoint", run.toString(), "--prompt", prompt));
    args.addAll(List.of(options));
    CliTest.Run r = cli(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    return r.out().lines().toList();
  }

  private static List<String> library(String prompt, int samples, UnaryOperator<DecodeOptions> options)
      throws IOException {
    Checkpoints.Loaded l = Checkpoints.load(run);
    List<String> lines = new ArrayList<>();
    for (Decoder.Result res : results(prompt, samples, options)) {
      lines.add((prompt + " " + l.tokenizer().decode(res.tokens())).replaceAll(" +", " ").strip());
    }
    return lines;
  }

  private static List<Decoder.Result> results(String prompt, int samples, UnaryOperator<DecodeOptions> options)
      throws IOException {
    Checkpoints.Loaded l = Checkpoints.load(run);
    int[] ids = l.tokenizer().encode(prompt);
    int[] p = new int[ids.length + 1];
    p[0] = Vocabulary.BOS_ID;
    System.arraycopy(ids, 0, p, 1, ids.length);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      prompts.add(p);
    }
    DecodeOptions o = options.apply(DecodeOptions.greedy().maxNewTokens(100).seed(0).eosId(Vocabulary.EOS_ID));
    return new Decoder<LanguageModel.State>(l.model()).generate(prompts, o, null);
  }

  @Test
  void samplingOptionsReachTheDecoder() throws IOException {
    String[] base = {"--strategy", "sample", "--temperature", "1.7", "--top-k", "6", "--top-p", "0.8", "--seed", "3",
        "--num-samples", "4", "--max-new-tokens", "6"};
    UnaryOperator<DecodeOptions> lib = o -> o.strategy(DecodeOptions.Strategy.SAMPLE).temperature(1.7).topK(6)
        .topP(0.8).seed(3).maxNewTokens(6);
    List<String> expected = library("the", 4, lib);
    assertEquals(4, expected.size());
    List<String> got = generate("the", base);
    assertEquals(expected, got.stream().map(s -> s.replaceAll(" +", " ").strip()).toList(),
        "--temperature --top-k --top-p --num-samples must give the library's samples");
    // each option matters here, so a mix-up between them would change the output
    assertNotEquals(expected, library("the", 4, o -> lib.apply(o).temperature(0.2)), "temperature");
    assertNotEquals(expected, library("the", 4, o -> lib.apply(o).topK(1)), "top-k");
    assertNotEquals(expected, library("the", 4, o -> lib.apply(o).topP(0.05)), "top-p");
  }

  @Test
  void stopNoEosAndLengthPenaltyReachTheDecoder() throws IOException {
    Checkpoints.Loaded l = Checkpoints.load(run);
    // --no-eos: generation runs to --max-new-tokens
    List<String> noEos = library("the", 1, o -> o.eosId(-1).maxNewTokens(9));
    assertEquals(noEos, oneLine(generate("the", "--no-eos", "--max-new-tokens", "9")));
    assertEquals(9, results("the", 1, o -> o.eosId(-1).maxNewTokens(9)).get(0).tokens().length,
        "9 new tokens without an end token: " + noEos);
    assertNotEquals(noEos, library("the", 1, o -> o.maxNewTokens(9)), "this model ends early when it may: " + noEos);
    // --stop: cut where the text ends with the stop string
    String free = library("the", 1, o -> o.eosId(-1).maxNewTokens(9)).get(0);
    String stopWord = free.split(" ")[3];
    List<String> stopped = library("the", 1, o -> o.eosId(-1).maxNewTokens(9)
        .stopStrings(List.of(stopWord), l.tokenizer()::piece));
    assertEquals(stopped, oneLine(generate("the", "--no-eos", "--max-new-tokens", "9", "--stop", stopWord)));
    assertTrue(stopped.get(0).length() < free.length(), "--stop " + stopWord + " cuts " + free);
    // --length-penalty (beam search): the command equals the library with the same penalty
    for (String lp : new String[] {"0.0", "2.5"}) {
      List<String> beam = library("the", 1, o -> o.strategy(DecodeOptions.Strategy.BEAM).beamWidth(4)
          .lengthPenalty(Double.parseDouble(lp)).maxNewTokens(8));
      assertEquals(beam, oneLine(generate("the", "--strategy", "beam", "--length-penalty", lp, "--max-new-tokens",
          "8")), "--length-penalty " + lp);
    }
  }

  /** A single-sample run streams the prompt and the words on one line: normalise to the library's format. */
  private static List<String> oneLine(List<String> lines) {
    return List.of(String.join(" ", lines).replaceAll(" +", " ").strip());
  }

  @Test
  void optimizerWithStateIsNotSgd() throws IOException {
    // the control for the "no Adam moments" check above: adam does keep them
    Path adam = tmp.resolve("adam");
    CliTest.Run r = cli("train", "--data", corpus.toString(), "--hidden-size", "8", "--embedding-size", "4",
        "--batch-size", "8", "--steps", "2", "--optimizer", "adam", "--eval-every", "0", "--samples", "0",
        "--out", adam.toString(), "--no-progress", "--threads", "1");
    assertEquals(0, r.code(), r.err());
    var opt = SafeTensors.read(adam.resolve("checkpoint").resolve(Checkpoint.OPTIMIZER)).tensors();
    assertTrue(opt.keySet().stream().anyMatch(k -> k.contains("exp_avg")), opt.keySet().toString());
  }
}
