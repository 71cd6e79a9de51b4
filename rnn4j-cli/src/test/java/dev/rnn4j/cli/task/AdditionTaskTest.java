package dev.rnn4j.cli.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The built-in task's text encoding (zero-padded operands, the sum least-significant digit first) and
 * {@link AdditionEval}'s greedy exact-match accuracy, on a hand-built language model whose answer is known: a bigram
 * table that after {@code =} always writes {@code 5710} (i.e. 175) and then the end token.
 */
class AdditionTaskTest {
  private final AdditionTask task = new AdditionTask(3);

  @Test
  void problemsAreWrittenZeroPaddedWithTheSumReversed() {
    AdditionTask.Problem p = new AdditionTask.Problem(128, 47, 3);
    assertEquals("128+047=", p.prompt());
    assertEquals("5710", p.answer()); // 0175 reversed
    assertEquals("128+047=5710", p.text());
    assertEquals("128+47=175", p.plain());
    assertEquals("1000", new AdditionTask.Problem(0, 1, 3).answer()); // 0001 reversed
    assertEquals("8991", new AdditionTask.Problem(999, 999, 3).answer()); // 1998 reversed
    // ids: 4 specials, then "0123456789+=" in order
    assertArrayEquals(new int[] {5, 6, 12, 14, 4, 8, 11, 15, 9, 11, 5, 4}, task.encode(p));
    assertEquals(8, task.answerStart(p));
    assertEquals(Vocabulary.NUM_SPECIAL + AdditionTask.ALPHABET.length(), task.tokenizer().vocabulary().size());
  }

  @Test
  void answersAndPromptsParse() {
    assertEquals(175, AdditionTask.readAnswer("5710"));
    assertEquals(1998, AdditionTask.readAnswer("8991"));
    assertEquals(-1, AdditionTask.readAnswer(""));
    assertEquals(-1, AdditionTask.readAnswer("57a0"));
    assertEquals(-1, AdditionTask.readAnswer("-571"));
    AdditionTask.Problem p = task.parse("12+34=");
    assertEquals(12, p.a());
    assertEquals(34, p.b());
    assertEquals("012+034=", p.prompt());
    assertTrue(AdditionTask.isPrompt("1+2="));
    assertFalse(AdditionTask.isPrompt("1+2=3"));
    String msg = assertThrows(IllegalArgumentException.class, () -> task.parse("1234+1=")).getMessage();
    assertTrue(msg.contains("at most 3 digits") && msg.contains("1234+1="), msg);
    assertThrows(IllegalArgumentException.class, () -> new AdditionTask(0));
  }

  @Test
  void heldOutProblemsAreDistinctAndTrainingExcludesThem() {
    List<AdditionTask.Problem> held = task.distinctProblems(300, new Generator(1));
    Set<String> seen = new HashSet<>();
    held.forEach(p -> assertTrue(seen.add(p.prompt()), "repeated held-out problem " + p.prompt()));
    held.forEach(p -> assertTrue(p.a() >= 0 && p.a() < 1000 && p.b() >= 0 && p.b() < 1000, p.plain()));
    for (AdditionTask.Problem p : task.problemsExcluding(2000, held, new Generator(2))) {
      assertFalse(seen.contains(p.prompt()), "a training problem is held out: " + p.prompt());
    }
  }

  @Test
  void exactMatchAccuracyCountsOnlyTheRightSumFollowedByTheEndToken() {
    List<AdditionTask.Problem> problems = List.of(
        new AdditionTask.Problem(128, 47, 3),  // 175: right
        new AdditionTask.Problem(100, 75, 3),  // 175: right
        new AdditionTask.Problem(128, 48, 3),  // 176: wrong
        new AdditionTask.Problem(0, 0, 3));    // 0: wrong
    LanguageModel answers175 = bigram(Vocabulary.EOS_ID);
    List<AdditionEval.Answer> a = AdditionEval.answer(answers175, task, problems, 3); // batches of 3 and 1
    assertEquals(List.of("5710", "5710", "5710", "5710"), a.stream().map(AdditionEval.Answer::modelText).toList());
    assertEquals(List.of(true, true, false, false), a.stream().map(AdditionEval.Answer::correct).toList());
    assertEquals(0.5, AdditionEval.accuracy(answers175, task, problems, 2));
    // The same digits without the end token (a special token comes instead, so the text is still "5710"): wrong.
    LanguageModel noEnd = bigram(Vocabulary.BOS_ID);
    List<AdditionEval.Answer> b = AdditionEval.answer(noEnd, task, problems, 4);
    assertEquals("5710", b.get(0).modelText());
    assertFalse(b.get(0).correct(), "an answer that does not end with <eos> is not an exact match");
    assertEquals(0.0, AdditionEval.accuracy(noEnd, task, problems, 4));
  }

  @Test
  void promptsStartWithBos() {
    assertArrayEquals(new int[] {Vocabulary.BOS_ID, 7, 8}, AdditionEval.withBos(new int[] {7, 8}));
  }

  /**
   * A one-layer tanh RNN language model that is a bigram table: the embedding is 3 x one-hot, the recurrent layer
   * passes it through tanh with no memory, and the decoder maps token t to a logit of about 20 for its successor:
   * '=' -> '5' -> '7' -> '1' -> '0' -> {@code after0}.
   */
  private LanguageModel bigram(int after0) {
    int v = task.tokenizer().vocabulary().size();
    LanguageModel m = new LanguageModel(new LanguageModelConfig("rnn", v, v, v, 1, 0, 0), new Generator(0));
    Map<String, Tensor> sd = new LinkedHashMap<>();
    m.stateDict().forEach((k, t) -> sd.put(k, Tensor.zeros(t.shape().dims())));
    float[] emb = sd.get("embedding.weight").data();
    float[] wih = sd.get("rnn.weight_ih_l0").data();
    for (int i = 0; i < v; i++) {
      emb[i * v + i] = 3f;
      wih[i * v + i] = 1f;
    }
    float[] dec = sd.get("decoder.weight").data(); // (V, H): row = next token, column = current token
    int[] from = {id('='), id('5'), id('7'), id('1'), id('0')};
    int[] to = {id('5'), id('7'), id('1'), id('0'), after0};
    for (int k = 0; k < from.length; k++) {
      dec[to[k] * v + from[k]] = 20f;
    }
    assertTrue(m.loadStateDict(sd, true).isClean());
    return m;
  }

  private int id(char c) {
    return task.tokenizer().encode(String.valueOf(c))[0];
  }
}
