package dev.rnn4j.examples;

import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.TextCorpus;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.train.TrainConfig;
import dev.rnn4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A small character-level GRU language model trained through rnn4j-core's library API (data, model, train,
 * generate, io): it learns three lines of text, is saved as a checkpoint, reloaded into a fresh model and asked to
 * complete each line from its first letter, greedily. Checks that the loss fell, that the reloaded model gives the
 * trained model's logits bit for bit, and that each completion is the line it was trained on.
 */
public final class TrainSaveGenerate {
  private TrainSaveGenerate() {}

  static final List<String> LINES = List.of("hello from rnn4j", "packed sequences", "gated recurrent units");

  public static void main(String[] args) throws IOException {
    Expect.environment();
    Path work = Files.createTempDirectory("rnn4j-example");
    try {
      run(work);
    } finally {
      deleteTree(work);
    }
  }

  static void run(Path work) throws IOException {
    // Data: each line is one sequence (<bos> line <eos>), repeated so that an epoch has several batches.
    String text = String.join("\n", java.util.Collections.nCopies(32, String.join("\n", LINES)));
    Tokenizer tokenizer = CharTokenizer.fit(text);
    List<int[]> sequences = TextCorpus.lines(text, tokenizer, 64);
    LengthBatcher batches = new LengthBatcher(sequences, 16);

    // Model: embedding 16, one GRU layer of 64, a linear decoder over the vocabulary.
    Generator gen = new Generator(1);
    LanguageModelConfig config =
        new LanguageModelConfig("gru", tokenizer.vocabulary().size(), 16, 64, 1, 0.0, 0);
    LanguageModel model = new LanguageModel(config, gen);

    // Train: Adam 1e-2, constant rate, clip 1.0, 120 steps of 16 sequences.
    int steps = 120;
    TrainConfig train = new TrainConfig(steps, 16, "adam", 1e-2, 0, "constant", 0, 0, 1.0, 0, 0, 1);
    Trainer trainer = new Trainer(model, gen, batches, null, train, tokenizer, work.resolve("run"), null, null);
    double[] losses = new double[steps];
    trainer.run(steps, new Trainer.Listener() {
      @Override
      public void onStep(Trainer.StepInfo info) {
        losses[(int) info.step() - 1] = info.loss();
      }
    });
    System.out.printf("trained %d steps: loss %.4f -> %.4f%n", steps, losses[0], losses[steps - 1]);
    Expect.that(losses[steps - 1] < 0.5 && losses[steps - 1] < losses[0] / 4,
        "training loss: expected below 0.5 and below a quarter of the first step's " + losses[0]
            + ", got " + losses[steps - 1]);

    // Save, then reload into a fresh model, as another process would.
    Path saved = work.resolve("saved");
    trainer.saveCheckpoint(saved);
    Checkpoint.Contents contents = Checkpoint.read(saved);
    LanguageModelConfig loadedConfig = LanguageModelConfig.fromJson(contents.config());
    Tokenizer loadedTokenizer = Tokenizer.fromJson(contents.vocabJson());
    LanguageModel loaded = new LanguageModel(loadedConfig, new Generator(0));
    loaded.loadStateDict(contents.model(), true);
    loaded.eval();
    model.eval();
    System.out.println("saved and reloaded: " + Arrays.toString(Files.list(saved).map(p -> p.getFileName().toString())
        .sorted().toArray()) + ", " + loaded.parameters().stream().mapToInt(t -> t.numel()).sum() + " parameters");
    Expect.equal("reloaded configuration", config, loadedConfig);
    Expect.equal("reloaded vocabulary", tokenizer.vocabulary(), loadedTokenizer.vocabulary());

    long[] firstTokens = {Vocabulary.BOS_ID, Vocabulary.BOS_ID, Vocabulary.BOS_ID};
    float[] trainedLogits = model.step(firstTokens, model.initialState(3)).logits();
    float[] loadedLogits = loaded.step(firstTokens, loaded.initialState(3)).logits();
    Expect.that(Arrays.equals(trainedLogits, loadedLogits), "the reloaded model's logits differ from the trained model's");

    // Generate: each line from <bos> and its first letter, greedily, until <eos>.
    List<int[]> prompts = new ArrayList<>();
    for (String line : LINES) {
      int[] first = loadedTokenizer.encode(line.substring(0, 1));
      prompts.add(new int[] {Vocabulary.BOS_ID, first[0]});
    }
    DecodeOptions greedy = DecodeOptions.greedy().eosId(Vocabulary.EOS_ID).maxNewTokens(40);
    List<Decoder.Result> fromLoaded = new Decoder<>(loaded).generate(prompts, greedy, null);
    List<Decoder.Result> fromTrained = new Decoder<>(model).generate(prompts, greedy, null);
    for (int i = 0; i < LINES.size(); i++) {
      String completion = LINES.get(i).charAt(0) + loadedTokenizer.decode(fromLoaded.get(i).tokens());
      System.out.println("generated: " + completion + " (" + fromLoaded.get(i).reason() + ")");
      Expect.equal("completion of '" + LINES.get(i).charAt(0) + "'", LINES.get(i), completion);
      Expect.equal("reloaded vs trained model, completion " + i,
          Arrays.toString(fromTrained.get(i).tokens()), Arrays.toString(fromLoaded.get(i).tokens()));
    }
    System.out.println("train, save, reload, generate: ok");
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
