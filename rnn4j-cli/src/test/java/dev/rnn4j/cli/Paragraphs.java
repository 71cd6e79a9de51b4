package dev.rnn4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The small text the language-model CLI tests train on: 40 two-line paragraphs separated by blank lines. */
final class Paragraphs {
  private Paragraphs() {}

  /** Writes the text to {@code file} (UTF-8) and returns {@code file}. */
  static Path write(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    String[] words = {"cat", "dog", "mat", "log", "sun", "sea"};
    for (int p = 0; p < 40; p++) {
      sb.append("the ").append(words[p % 6]).append(" sat on the ").append(words[(p * 5 + 1) % 6]).append(".\n")
          .append("it was ").append(words[(p + 2) % 6]).append(" day.\n\n");
    }
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    return file;
  }
}
