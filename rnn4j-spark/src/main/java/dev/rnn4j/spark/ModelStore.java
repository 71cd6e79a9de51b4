package dev.rnn4j.spark;

import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.io.Checkpoint;
import dev.rnn4j.model.LanguageModel;
import dev.rnn4j.model.LanguageModelConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * The checkpoints this JVM has read, so that a Spark executor reads a checkpoint once and not once per task or row.
 *
 * <p>This is the one piece of JVM-wide state in rnn4j-spark, and it is deliberate: Spark gives an executor no object
 * that lives as long as the JVM and is shared by its tasks, so a static cache is the only way to read a checkpoint
 * once per executor. It is small ({@link #CAPACITY} checkpoints, least recently used dropped), keyed by the
 * checkpoint's path and the modification time and size of its weights (a checkpoint rewritten in place is read again),
 * and thread-safe (one lock; a read happens outside it and the first finished read wins).
 *
 * <p>Each entry holds the parsed checkpoint and a pool of models built from it. A task borrows a model for the length
 * of its partition ({@link Entry#withModel}) and gives it back, so tasks that run at the same time in one executor
 * never share a module, and a JVM builds at most as many models as it runs tasks at once.
 */
final class ModelStore {
  /** Checkpoints kept per JVM. */
  static final int CAPACITY = 4;

  private static final Map<Key, Entry> CACHE = new LinkedHashMap<>(8, 0.75f, true);
  private static final java.util.concurrent.atomic.AtomicLong READS = new java.util.concurrent.atomic.AtomicLong();

  private ModelStore() {}

  /** Where a checkpoint is and which version of it. */
  record Key(String path, long modificationTime, long size) {}

  /** A read checkpoint: its model configuration, tokenizer, weights, and the pool of models built from them. */
  static final class Entry {
    final String path;
    final LanguageModelConfig config;
    final Tokenizer tokenizer;
    final Checkpoint.Contents contents;
    private final Deque<LanguageModel> pool = new ArrayDeque<>();

    Entry(String path, Checkpoint.Contents contents) {
      this.path = path;
      this.contents = contents;
      try {
        this.config = LanguageModelConfig.fromJson(contents.config());
        this.tokenizer = Tokenizer.fromJson(contents.vocabJson());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot use checkpoint " + path + ": " + e.getMessage());
      }
      if (tokenizer.vocabulary().size() != config.vocabSize()) {
        throw new IllegalArgumentException("vocabulary mismatch in checkpoint " + path + ": vocab.json has "
            + tokenizer.vocabulary().size() + " tokens but config.json says vocab_size " + config.vocabSize());
      }
      Tensor emb = contents.model().get("embedding.weight");
      if (emb != null && emb.size(0) != config.vocabSize()) {
        throw new IllegalArgumentException("vocabulary mismatch in checkpoint " + path + ": embedding.weight has "
            + emb.size(0) + " rows but config.json says vocab_size " + config.vocabSize());
      }
      pool.push(build()); // builds one model now, so a checkpoint that does not fit its config fails at once
    }

    private LanguageModel build() {
      LanguageModel m = new LanguageModel(config, new Generator(0));
      try {
        m.loadStateDict(contents.model(), true);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("checkpoint " + path + " does not fit the " + config.modelType()
            + " model its config.json describes: " + e.getMessage().replace("\n\t", " ").replace('\n', ' '));
      }
      m.eval();
      return m;
    }

    /** Runs {@code work} with a model (in eval mode) that no other thread uses meanwhile. */
    <R> R withModel(Function<LanguageModel, R> work) {
      LanguageModel m;
      synchronized (pool) {
        m = pool.poll();
      }
      if (m == null) {
        m = build();
      }
      try {
        return work.apply(m);
      } finally {
        synchronized (pool) {
          pool.push(m);
        }
      }
    }
  }

  /**
   * The checkpoint at {@code path} (a checkpoint directory, a run directory holding {@code checkpoint/}, or a
   * {@code .safetensors} file with {@code config.json} and {@code vocab.json} beside it), on any Hadoop file system.
   * A missing checkpoint is an IOException naming the path; a checkpoint that does not fit its own configuration or
   * vocabulary an IllegalArgumentException.
   */
  static Entry get(String path, Configuration conf) throws IOException {
    Objects.requireNonNull(path, "the checkpoint path is not set");
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = p.getFileSystem(conf);
    Located loc = locate(fs, p);
    FileStatus weights = fs.getFileStatus(loc.weights);
    Key key = new Key(fs.makeQualified(loc.weights).toString(), weights.getModificationTime(), weights.getLen());
    synchronized (CACHE) {
      Entry e = CACHE.get(key);
      if (e != null) {
        return e;
      }
    }
    READS.incrementAndGet();
    Entry read = new Entry(path, read(fs, loc)); // outside the lock: a slow read does not hold up other checkpoints
    synchronized (CACHE) {
      Entry e = CACHE.putIfAbsent(key, read);
      if (CACHE.size() > CAPACITY) {
        Iterator<Key> it = CACHE.keySet().iterator();
        it.next();
        it.remove();
      }
      return e != null ? e : read;
    }
  }

  /** {@link #get} with the error a Spark user sees on the driver: one line naming the checkpoint. */
  static Entry getOrFail(String path, Configuration conf) {
    try {
      return get(path, conf);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the rnn4j checkpoint " + path + ": " + e.getMessage(), e);
    }
  }

  /** Forgets every checkpoint (tests). */
  static void clear() {
    synchronized (CACHE) {
      CACHE.clear();
    }
  }

  /** How many times this JVM has read a checkpoint's files (tests). */
  static long reads() {
    return READS.get();
  }

  static int size() {
    synchronized (CACHE) {
      return CACHE.size();
    }
  }

  private record Located(org.apache.hadoop.fs.Path dir, org.apache.hadoop.fs.Path weights, String weightsName) {}

  private static Located locate(FileSystem fs, org.apache.hadoop.fs.Path p) throws IOException {
    if (!fs.exists(p)) {
      throw new java.nio.file.NoSuchFileException(p + " does not exist");
    }
    if (fs.getFileStatus(p).isFile()) {
      if (!p.getName().endsWith(".safetensors")) {
        throw new IOException(p + " is a file but not a .safetensors file; give a checkpoint directory or a "
            + ".safetensors file with config.json and vocab.json beside it");
      }
      return new Located(p.getParent(), p, p.getName());
    }
    for (org.apache.hadoop.fs.Path d : new org.apache.hadoop.fs.Path[] {p, new org.apache.hadoop.fs.Path(p, "checkpoint")}) {
      if (fs.isFile(new org.apache.hadoop.fs.Path(d, Checkpoint.CONFIG))
          && fs.isFile(new org.apache.hadoop.fs.Path(d, Checkpoint.MODEL))) {
        return new Located(d, new org.apache.hadoop.fs.Path(d, Checkpoint.MODEL), Checkpoint.MODEL);
      }
    }
    throw new java.nio.file.NoSuchFileException(
        p + " holds no checkpoint (no config.json and model.safetensors in it or in its checkpoint/)");
  }

  /** Copies the checkpoint's files to a local temporary directory and reads them with {@link Checkpoint#read}. */
  private static Checkpoint.Contents read(FileSystem fs, Located loc) throws IOException {
    Path tmp = Files.createTempDirectory("rnn4j-spark-checkpoint-");
    try {
      for (String name : new String[] {Checkpoint.CONFIG, Checkpoint.VOCAB}) {
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(loc.dir, name);
        if (!fs.isFile(src)) {
          throw new java.nio.file.NoSuchFileException(src + " (an rnn4j checkpoint needs " + name + ")");
        }
        copy(fs, src, tmp.resolve(name));
      }
      copy(fs, loc.weights, tmp.resolve(Checkpoint.MODEL));
      Checkpoint.Contents c = Checkpoint.read(tmp);
      return new Checkpoint.Contents(c.model(), c.config(), c.vocabJson(), Map.of(), c.trainerState());
    } finally {
      try (var s = Files.walk(tmp)) {
        for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(q);
        }
      } catch (IOException | UncheckedIOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }

  private static void copy(FileSystem fs, org.apache.hadoop.fs.Path src, Path dst) throws IOException {
    try (var in = fs.open(src)) {
      Files.copy(in, dst);
    }
  }
}
