package dev.rnn4j.cli.task;

import dev.rnn4j.data.CharTokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.tensor.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The built-in task: multi-digit addition written as text, {@code a+b=} followed by the sum, with {@code a} and
 * {@code b} drawn uniformly from {@code [0, 10^digits)}. Answers are scored by exact match.
 *
 * <p>Two choices make the task learnable by a small RNN in a few minutes (both measured; see the README):
 *
 * <ul>
 *   <li><b>Fixed width.</b> Operands are zero-padded to {@code digits} characters and the sum to {@code digits + 1},
 *       so every digit sits at the same position in every problem and the model never has to work out which digits
 *       line up.
 *   <li><b>The sum is written least-significant digit first</b>: {@code 128+047=5710} means 0175 = 175. A
 *       left-to-right model then produces each digit from two operand digits and the carry it just computed, the
 *       order in which people add; written the usual way, the first digit depends on every carry at once.
 * </ul>
 *
 * {@link #readAnswer} turns the model's text back into the number.
 */
public final class AdditionTask {
  /** The characters of the task, in vocabulary order after the specials. */
  public static final String ALPHABET = "0123456789+=";

  /** One problem. */
  public record Problem(long a, long b, int digits) {
    /** {@code "a+b="} with both operands zero-padded to {@code digits}. */
    public String prompt() {
      return pad(a, digits) + "+" + pad(b, digits) + "=";
    }

    /** The sum zero-padded to {@code digits + 1}, least-significant digit first. */
    public String answer() {
      return new StringBuilder(pad(a + b, digits + 1)).reverse().toString();
    }

    /** {@code a+b=sum} the usual way, for people. */
    public String plain() {
      return a + "+" + b + "=" + (a + b);
    }

    /** Prompt and answer. */
    public String text() {
      return prompt() + answer();
    }
  }

  private final int digits;
  private final long bound;
  private final CharTokenizer tokenizer;

  public AdditionTask(int digits) {
    if (digits < 1 || digits > 9) {
      throw new IllegalArgumentException("digits must be in [1, 9], got " + digits);
    }
    this.digits = digits;
    this.bound = (long) Math.pow(10, digits);
    List<String> chars = new ArrayList<>();
    for (char c : ALPHABET.toCharArray()) {
      chars.add(String.valueOf(c));
    }
    this.tokenizer = new CharTokenizer(new Vocabulary(chars));
  }

  public int digits() {
    return digits;
  }

  public CharTokenizer tokenizer() {
    return tokenizer;
  }

  private Problem draw(Generator gen) {
    return new Problem(gen.nextLong(0, bound), gen.nextLong(0, bound), digits);
  }

  static String pad(long v, int width) {
    String s = Long.toString(v);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  /** Parses a prompt {@code a+b=} (operands of any width up to {@code digits}) into a problem. */
  public Problem parse(String prompt) {
    if (!isPrompt(prompt)) {
      throw new IllegalArgumentException("expected a prompt like 12+34=, got '" + prompt + "'");
    }
    String[] ab = prompt.substring(0, prompt.length() - 1).split("\\+");
    if (ab[0].length() > digits || ab[1].length() > digits) {
      throw new IllegalArgumentException("this model adds numbers of at most " + digits + " digits, got '" + prompt + "'");
    }
    return new Problem(Long.parseLong(ab[0]), Long.parseLong(ab[1]), digits);
  }

  private long key(Problem p) {
    return p.a() * bound + p.b();
  }

  /** {@code n} distinct problems (the held-out set), drawn from {@code gen}. */
  public List<Problem> distinctProblems(int n, Generator gen) {
    if (n > bound * bound / 2) {
      throw new IllegalArgumentException("cannot draw " + n + " distinct problems with " + digits + " digits");
    }
    Set<Long> seen = new HashSet<>();
    List<Problem> out = new ArrayList<>();
    while (out.size() < n) {
      Problem p = draw(gen);
      if (seen.add(key(p))) {
        out.add(p);
      }
    }
    return out;
  }

  /** {@code n} problems (repeats allowed) none of which is in {@code exclude}. */
  public List<Problem> problemsExcluding(int n, List<Problem> exclude, Generator gen) {
    Set<Long> ex = new HashSet<>();
    exclude.forEach(p -> ex.add(key(p)));
    List<Problem> out = new ArrayList<>();
    while (out.size() < n) {
      Problem p = draw(gen);
      if (!ex.contains(key(p))) {
        out.add(p);
      }
    }
    return out;
  }

  /** Token ids of prompt and answer (no {@code <bos>}/{@code <eos>}). */
  public int[] encode(Problem p) {
    return tokenizer.encode(p.text());
  }

  /** Where the answer starts in {@link #encode}'s ids: the loss counts targets from here on. */
  public int answerStart(Problem p) {
    return p.prompt().length();
  }

  /** The number a least-significant-first answer text stands for, or -1 when it is not one. */
  public static long readAnswer(String text) {
    if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(new StringBuilder(text).reverse().toString());
  }

  /** Whether {@code text} is a prompt of this task ({@code digits+digits=}). */
  public static boolean isPrompt(String text) {
    return text.matches("[0-9]+\\+[0-9]+=");
  }
}
