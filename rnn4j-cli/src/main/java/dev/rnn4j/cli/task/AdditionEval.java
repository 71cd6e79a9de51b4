package dev.rnn4j.cli.task;

import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.generate.DecodeOptions;
import dev.rnn4j.generate.Decoder;
import dev.rnn4j.model.LanguageModel;
import java.util.ArrayList;
import java.util.List;

/** Greedy exact-match accuracy of a language model on addition problems. */
public final class AdditionEval {
  private AdditionEval() {}

  /** One answered problem. */
  public record Answer(AdditionTask.Problem problem, String modelText, boolean correct) {}

  /** Answers every problem greedily (prompt {@code <bos> a+b=}, stop at {@code <eos>}), {@code batch} at a time. */
  public static List<Answer> answer(LanguageModel model, AdditionTask task, List<AdditionTask.Problem> problems, int batch) {
    model.eval();
    List<Answer> out = new ArrayList<>();
    Decoder<LanguageModel.State> dec = new Decoder<>(model);
    DecodeOptions o = DecodeOptions.greedy().eosId(Vocabulary.EOS_ID).maxNewTokens(task.digits() + 2);
    for (int lo = 0; lo < problems.size(); lo += batch) {
      List<AdditionTask.Problem> chunk = problems.subList(lo, Math.min(problems.size(), lo + batch));
      List<int[]> prompts = new ArrayList<>();
      for (AdditionTask.Problem p : chunk) {
        prompts.add(withBos(task.tokenizer().encode(p.prompt())));
      }
      List<Decoder.Result> res = dec.generate(prompts, o, null);
      for (int i = 0; i < chunk.size(); i++) {
        String text = task.tokenizer().decode(res.get(i).tokens());
        AdditionTask.Problem p = chunk.get(i);
        out.add(new Answer(p, text, text.equals(p.answer()) && res.get(i).reason() == Decoder.FinishReason.EOS));
      }
    }
    return out;
  }

  /** Fraction answered exactly. */
  public static double accuracy(LanguageModel model, AdditionTask task, List<AdditionTask.Problem> problems, int batch) {
    List<Answer> a = answer(model, task, problems, batch);
    return a.stream().filter(Answer::correct).count() / (double) Math.max(1, a.size());
  }

  static int[] withBos(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = Vocabulary.BOS_ID;
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }
}
