package dev.rnn4j.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint as a directory:
 *
 * <pre>
 *   model.safetensors       parameters under PyTorch's state-dict names
 *   config.json             the model's configuration (what builds it again), including its naming scheme
 *   vocab.json              the tokenizer: kind and tokens
 *   optimizer.safetensors   optimizer buffers, state.&lt;param&gt;.&lt;buffer&gt;
 *   trainer_state.json      step, epoch, RNG snapshot and anything else the trainer needs to continue
 * </pre>
 *
 * <p>Writes are atomic at the directory level: everything goes into a fresh sibling directory first, which then
 * replaces the old one by renames ({@code dir -> .dir.old}, {@code tmp -> dir}, delete {@code .dir.old}). A crash
 * before the renames leaves the previous checkpoint untouched; a crash between them leaves it as {@code .dir.old},
 * which {@link #read} falls back to.
 */
public final class Checkpoint {
  public static final String MODEL = "model.safetensors";
  public static final String CONFIG = "config.json";
  public static final String VOCAB = "vocab.json";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String TRAINER_STATE = "trainer_state.json";

  /** What a checkpoint holds; {@code optimizer} and {@code trainerState} may be empty for an export. */
  public record Contents(
      Map<String, Tensor> model, JsonObject config, String vocabJson, Map<String, Tensor> optimizer,
      JsonObject trainerState) {}

  /** Called after every file is written and before the renames; tests use it to simulate a crash. */
  @FunctionalInterface
  interface BeforeCommit {
    void run() throws IOException;
  }

  private Checkpoint() {}

  public static void write(Path dir, Contents c) throws IOException {
    write(dir, c, () -> {});
  }

  static void write(Path dir, Contents c, BeforeCommit hook) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    Files.createDirectories(parent);
    String name = abs.getFileName().toString();
    Path tmp = Files.createTempDirectory(parent, "." + name + ".tmp-");
    try { // temp directories are private (700); a checkpoint is an ordinary directory
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default
    }
    Path old = parent.resolve("." + name + ".old");
    try {
      SafeTensors.write(tmp.resolve(MODEL), c.model(), Map.of("format", "pt"));
      writeString(tmp.resolve(CONFIG), pretty(c.config()));
      writeString(tmp.resolve(VOCAB), c.vocabJson());
      SafeTensors.write(tmp.resolve(OPTIMIZER), c.optimizer(), Map.of());
      writeString(tmp.resolve(TRAINER_STATE), pretty(c.trainerState()));
      hook.run();
      deleteTree(old);
      if (Files.exists(abs)) {
        Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(old);
    } finally {
      deleteTree(tmp);
    }
  }

  /** Whether {@code dir} (or the copy a crash left) holds a checkpoint. */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(resolve(dir).resolve(CONFIG));
  }

  /** Reads a checkpoint; a missing directory or file is an IOException naming it. */
  public static Contents read(Path dir) throws IOException {
    Path d = resolve(dir);
    if (!Files.isDirectory(d)) {
      throw new NoSuchFileException(dir + " (no checkpoint directory there)");
    }
    for (String f : new String[] {MODEL, CONFIG, VOCAB}) {
      if (!Files.isRegularFile(d.resolve(f))) {
        throw new NoSuchFileException(d.resolve(f) + " (not a checkpoint directory: " + f + " is missing)");
      }
    }
    Map<String, Tensor> model = SafeTensors.read(d.resolve(MODEL)).tensors();
    JsonObject config = parse(d.resolve(CONFIG));
    String vocab = Files.readString(d.resolve(VOCAB), StandardCharsets.UTF_8);
    Map<String, Tensor> opt =
        Files.isRegularFile(d.resolve(OPTIMIZER)) ? SafeTensors.read(d.resolve(OPTIMIZER)).tensors() : Map.of();
    JsonObject state = Files.isRegularFile(d.resolve(TRAINER_STATE)) ? parse(d.resolve(TRAINER_STATE)) : new JsonObject();
    return new Contents(model, config, vocab, opt, state);
  }

  /** {@code dir}, or its {@code .old} copy when a crash interrupted the renames. */
  static Path resolve(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.isDirectory(abs)) {
      return abs;
    }
    Path old = abs.getParent().resolve("." + abs.getFileName() + ".old");
    return Files.isDirectory(old) ? old : abs;
  }

  private static JsonObject parse(Path file) throws IOException {
    try {
      return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(file + " is not a JSON object: " + e.getMessage());
    }
  }

  private static String pretty(JsonObject o) {
    return new GsonBuilder().setPrettyPrinting().create().toJson(o == null ? new JsonObject() : o) + "\n";
  }

  private static void writeString(Path file, String s) throws IOException {
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
