package dev.rnn4j.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p><b>NOTE [checkpoint swap].</b> {@code write(dir)} never replaces a directory in place. Each checkpoint is a
 * versioned sibling, {@code <dir>-<step>} (or {@code <dir>-<step>.<k>} when that name is taken), and {@code dir} itself
 * is a symbolic link to the newest one:
 *
 * <ol>
 *   <li>every file is written into a hidden {@code .<dir>-<step>.tmp-*} directory and forced to the device;
 *   <li>that directory is renamed to {@code <dir>-<step>}: a name without a dot in front is always complete;
 *   <li>a new link {@code .<dir>.link-*} is made and renamed over {@code dir} (rename replaces a link atomically);
 *   <li>versions older than the one just replaced, and leftovers of earlier crashes, are deleted.
 * </ol>
 *
 * At every instant some complete version is on disk, and {@code dir} resolves to one (or is missing only while a
 * pre-versioning directory is migrated, and readers then fall back to the newest version). A crash anywhere leaves
 * either the old or the new version as the newest complete one; {@link #recover} points the link at it and removes
 * the leftovers. The version before the newest is kept, so a reader that resolved the link just before a swap still
 * finds its files; {@link #read} resolves the link once, reads every file from that one version, and retries if a
 * version vanished under it.
 */
public final class Checkpoint {
  /** The parameters, under PyTorch's state-dict names. */
  public static final String MODEL = "model.safetensors";
  /** The model configuration, with its parameter naming scheme. */
  public static final String CONFIG = "config.json";
  /** The tokenizer: its kind and tokens. */
  public static final String VOCAB = "vocab.json";
  /** The optimizer buffers, named {@code state.<param>.<buffer>}. */
  public static final String OPTIMIZER = "optimizer.safetensors";
  /** Step, epoch, generator snapshots and the rest of the trainer's position. */
  public static final String TRAINER_STATE = "trainer_state.json";

  /**
   * Fault injection for the crash tests: {@code -Drnn4j.test.crashAt=<point>[#n]} halts the JVM (as kill -9 would)
   * the n-th time (default first) the swap reaches {@code point}: {@code files-written}, {@code version-renamed},
   * {@code link-made}, {@code link-swapped}. Read once; absent in normal runs.
   */
  private static final String CRASH_AT = System.getProperty("rnn4j.test.crashAt", "");

  private static final AtomicInteger CRASH_COUNT = new AtomicInteger();

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

  /** Writes {@code c} as a new version and points {@code dir} at it (NOTE [checkpoint swap]). */
  public static void write(Path dir, Contents c) throws IOException {
    write(dir, c, () -> {});
  }

  static void write(Path dir, Contents c, BeforeCommit hook) throws IOException {
    Path link = dir.toAbsolutePath().normalize();
    Path parent = link.getParent();
    Files.createDirectories(parent);
    String name = link.getFileName().toString();
    Path previous = Files.isSymbolicLink(link) ? currentTarget(link) : null;
    long step = c.trainerState() != null && c.trainerState().has("step")
        ? c.trainerState().get("step").getAsLong() : nextUnnumbered(parent, name);
    String version = freeVersionName(parent, name, step);
    Path tmp = parent.resolve("." + version + ".tmp-" + random());
    Files.createDirectory(tmp); // mode from the umask, like any new directory
    try {
      named(tmp.resolve(MODEL), f -> SafeTensors.write(f, c.model(), Map.of("format", "pt")));
      named(tmp.resolve(CONFIG), f -> writeString(f, pretty(c.config())));
      named(tmp.resolve(VOCAB), f -> writeString(f, c.vocabJson()));
      named(tmp.resolve(OPTIMIZER), f -> SafeTensors.write(f, c.optimizer(), Map.of()));
      named(tmp.resolve(TRAINER_STATE), f -> writeString(f, pretty(c.trainerState())));
      hook.run();
      crashPoint("files-written");
      Path target = parent.resolve(version);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      crashPoint("version-renamed");
      if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) { // a checkpoint from before versioning: keep it
        Path keep = parent.resolve(freeVersionName(parent, name, stepOf(link)));
        Files.move(link, keep, StandardCopyOption.ATOMIC_MOVE);
        previous = keep;
      }
      pointAt(link, target);
      crashPoint("link-swapped");
      clean(parent, name, target, previous);
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * Makes {@code dir} point at the newest complete version and deletes what crashes left behind (temporary
   * directories and links, versions older than the two newest, a pre-versioning {@code .<dir>.old}). A trainer calls
   * this before it resumes; it must be the only writer. Returns the version {@code dir} now points at, or null.
   */
  public static Path recover(Path dir) throws IOException {
    Path link = dir.toAbsolutePath().normalize();
    Path parent = link.getParent();
    String name = link.getFileName().toString();
    if (!Files.isDirectory(parent)) {
      return null;
    }
    List<Path> versions = versions(parent, name);
    if (versions.isEmpty() || Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
      clean(parent, name, null, null);
      return Files.isDirectory(link) ? link : null;
    }
    Path newest = versions.get(versions.size() - 1);
    Path current = Files.isSymbolicLink(link) ? currentTarget(link) : null;
    if (current == null || !current.equals(newest)) {
      pointAt(link, newest);
    }
    clean(parent, name, newest, versions.size() > 1 ? versions.get(versions.size() - 2) : null);
    return newest;
  }

  /** Whether {@code dir} (or, after a crash, a version beside it) holds a checkpoint. */
  public static boolean exists(Path dir) {
    Path d = resolve(dir);
    return d != null && Files.isRegularFile(d.resolve(CONFIG));
  }

  /** Reads a checkpoint, every file from one version; a missing directory or file is an IOException naming it. */
  public static Contents read(Path dir) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path d = resolve(dir);
      if (d == null || !Files.isDirectory(d)) {
        if (d != null && attempt < 20) {
          continue; // removed by a writer between the lookup and now: look again
        }
        throw new NoSuchFileException(dir + " (no checkpoint directory there)");
      }
      try {
        Contents c = readVersion(d);
        if (Files.isDirectory(d) || attempt >= 20) {
          return c;
        }
        // the version was moved away for deletion during the read: an optional file may have looked absent
      } catch (IOException e) {
        if (d.equals(resolve(dir)) && Files.isDirectory(d) || attempt >= 20) {
          throw e; // the version is still the current one: not a race with a writer
        }
        // a writer replaced and deleted this version while we read it: read the one in place now
      }
    }
  }

  private static Contents readVersion(Path d) throws IOException {
    for (String f : new String[] {MODEL, CONFIG, VOCAB}) {
      if (!Files.isRegularFile(d.resolve(f))) {
        if (!Files.isDirectory(d)) {
          throw new NoSuchFileException(d.toString());
        }
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

  /**
   * The directory a read of {@code dir} uses: the version its link points at (resolved once), {@code dir} itself if
   * it is a plain directory, else the newest version beside it, else a pre-versioning {@code .dir.old}; null if none.
   */
  static Path resolve(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      if (Files.isDirectory(abs)) {
        return abs.toRealPath();
      }
    } catch (IOException e) {
      // the link changed or vanished between the two calls: look beside it
    }
    Path parent = abs.getParent();
    if (parent == null || abs.getFileName() == null) {
      return null;
    }
    try {
      List<Path> v = versions(parent, abs.getFileName().toString());
      if (!v.isEmpty()) {
        return v.get(v.size() - 1);
      }
    } catch (IOException e) {
      // unreadable parent: fall through
    }
    Path old = parent.resolve("." + abs.getFileName() + ".old");
    return Files.isDirectory(old) ? old : null;
  }

  /** The complete versions of {@code name} in {@code parent}, oldest first. */
  static List<Path> versions(Path parent, String name) throws IOException {
    Pattern p = Pattern.compile(Pattern.quote(name) + "-(\\d{1,18})(?:\\.(\\d{1,9}))?");
    List<long[]> keys = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
      for (Path q : ds) {
        Matcher m = p.matcher(q.getFileName().toString());
        if (m.matches() && Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(q.resolve(CONFIG))) {
          keys.add(new long[] {Long.parseLong(m.group(1)), m.group(2) == null ? 0 : Long.parseLong(m.group(2)) + 1,
              paths.size()});
          paths.add(q);
        }
      }
    }
    keys.sort(Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> k[1]));
    List<Path> out = new ArrayList<>();
    for (long[] k : keys) {
      out.add(paths.get((int) k[2]));
    }
    return out;
  }

  private static String freeVersionName(Path parent, String name, long step) {
    String base = name + "-" + step;
    if (!Files.exists(parent.resolve(base), LinkOption.NOFOLLOW_LINKS)) {
      return base;
    }
    for (int k = 1; ; k++) {
      String n = base + "." + k;
      if (!Files.exists(parent.resolve(n), LinkOption.NOFOLLOW_LINKS)) {
        return n;
      }
    }
  }

  private static long nextUnnumbered(Path parent, String name) throws IOException {
    List<Path> v = versions(parent, name);
    if (v.isEmpty()) {
      return 0;
    }
    String last = v.get(v.size() - 1).getFileName().toString().substring(name.length() + 1);
    int dot = last.indexOf('.');
    return Long.parseLong(dot < 0 ? last : last.substring(0, dot)) + 1;
  }

  private static long stepOf(Path dir) {
    try {
      JsonObject s = parse(dir.resolve(TRAINER_STATE));
      return s.has("step") ? s.get("step").getAsLong() : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static Path currentTarget(Path link) {
    try {
      return link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
    } catch (IOException e) {
      return null;
    }
  }

  /** Points the link {@code link} at the sibling {@code target}: a new link renamed over the old one. */
  private static void pointAt(Path link, Path target) throws IOException {
    Path tmpLink = link.getParent().resolve("." + link.getFileName() + ".link-" + random());
    try {
      Files.createSymbolicLink(tmpLink, target.getFileName()); // relative: the run directory can be moved
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      // A file system without symbolic links (or a user not allowed to make them): go without the link. Readers of
      // dir then fall back to the newest version beside it (resolve), which is exactly what the link would name.
      if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) || !(e instanceof UnsupportedOperationException
          || String.valueOf(e.getMessage()).matches("(?i).*(not supported|not permitted|privilege).*"))) {
        throw e;
      }
      return;
    }
    crashPoint("link-made");
    try {
      Files.move(tmpLink, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmpLink);
    }
  }

  /** Deletes every version but {@code keep} and {@code previous}, temporary directories and links, and {@code .old}. */
  private static void clean(Path parent, String name, Path keep, Path previous) throws IOException {
    List<Path> doomed = new ArrayList<>();
    String tmpPrefix = "." + name + "-";
    String linkPrefix = "." + name + ".link-";
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
      for (Path q : ds) {
        String f = q.getFileName().toString();
        if ((f.startsWith(tmpPrefix) && f.contains(".tmp-")) || f.startsWith(linkPrefix) || f.equals("." + name + ".old")
            || f.startsWith("." + name + ".tmp-")) {
          doomed.add(q);
        }
      }
    }
    if (keep != null) {
      for (Path v : versions(parent, name)) {
        if (!v.equals(keep) && !v.equals(previous)) {
          doomed.add(v);
        }
      }
    }
    for (Path q : doomed) {
      if (!Files.isSymbolicLink(q) && !q.getFileName().toString().startsWith(".")) {
        Path hidden = parent.resolve("." + q.getFileName() + ".tmp-del-" + random());
        try { // out of sight first, in one step, so readers never find a half-deleted version under its name
          Files.move(q, hidden, StandardCopyOption.ATOMIC_MOVE);
          q = hidden;
        } catch (IOException e) {
          // delete it in place
        }
      }
      deleteTree(q);
    }
  }

  private interface FileWrite {
    void to(Path file) throws IOException;
  }

  /** Runs a write of {@code file}; an error that does not say which file gets its name (e.g. a full disk). */
  private static void named(Path file, FileWrite w) throws IOException {
    try {
      w.to(file);
    } catch (java.nio.file.FileSystemException e) {
      throw e;
    } catch (IOException e) {
      String m = IoErrors.describe(e);
      throw new IOException(m.contains(file.getFileName().toString()) ? m : file + ": " + m, e);
    }
  }

  private static void crashPoint(String point) {
    if (CRASH_AT.isEmpty()) {
      return;
    }
    int hash = CRASH_AT.indexOf('#');
    String name = hash < 0 ? CRASH_AT : CRASH_AT.substring(0, hash);
    int nth = hash < 0 ? 1 : Integer.parseInt(CRASH_AT.substring(hash + 1));
    if (name.equals(point) && CRASH_COUNT.incrementAndGet() == nth) {
      System.err.println("rnn4j.test.crashAt: halting at " + point);
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }

  private static String random() {
    return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
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

  /** Writes and forces a small file of a directory that is not yet visible (no rename needed). */
  private static void writeString(Path file, String s) throws IOException {
    try (FileChannel fc = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        fc.write(b);
      }
      fc.force(true);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isSymbolicLink(p)) {
      Files.deleteIfExists(p);
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (NoSuchFileException e) {
      // already gone
    }
  }
}
