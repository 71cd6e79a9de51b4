package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on the checkpoint swap (NOTE [checkpoint swap]): a child JVM halts, as kill -9 would, at each point
 * of the swap, and at every pair of points in two crashes in a row; a complete checkpoint must always be readable,
 * recovery must find the newest complete one, and the next write must clean up. Readers running during swaps must
 * never fail and never see a mix of two versions.
 */
class CheckpointCrashTest {
  static final List<String> POINTS = List.of("files-written", "version-renamed", "link-made", "link-swapped");

  @TempDir Path tmp;

  /** Runs the writer in a child JVM that halts at {@code crashAt}; returns its exit code. */
  static int child(Path dir, String crashAt, long... steps) throws IOException, InterruptedException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-Drnn4j.test.crashAt=" + crashAt, "-cp", cp,
        CheckpointWriterMain.class.getName(), dir.toString()));
    for (long s : steps) {
      cmd.add(Long.toString(s));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the child writer did not finish in 60 s");
    }
    return p.exitValue();
  }

  private static long readStep(Path dir) throws IOException {
    Checkpoint.Contents c = Checkpoint.read(dir);
    long step = c.trainerState().get("step").getAsLong();
    assertEquals(step, (long) c.model().get("decoder.bias").data()[0], "one version's files, not a mix");
    return step;
  }

  /** The step of the newest complete version: the highest renamed version, as the crash points define. */
  private static long expectedAfter(String point, long before, long writing) {
    return point.equals("files-written") ? before : writing;
  }

  private static void assertClean(Path run) throws IOException {
    try (var s = Files.list(run)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(names.stream().noneMatch(n -> n.startsWith(".")), "leftovers: " + names);
      assertTrue(names.size() <= 3, "the link and at most two versions: " + names);
    }
  }

  /**
   * A crash at each point (first), then, from a copy of what each left, a crash of the next save at each point
   * (second, no recovery between): 4 + 16 child JVMs.
   */
  @Test
  void oneOrTwoCrashesInARowAtAnyPointsLeaveTheNewestCompleteCheckpoint() throws Exception {
    for (String first : POINTS) {
      Path base = Files.createDirectories(tmp.resolve("after-" + first));
      Path dir = base.resolve("checkpoint");
      Checkpoint.write(dir, CheckpointTest.contents(1, 1));
      assertEquals(137, child(dir, first, 2), first);
      for (String second : POINTS) {
        String both = first + ", then " + second;
        Path run = copyTree(base, tmp.resolve(first + "-" + second));
        Path d2 = run.resolve("checkpoint");
        assertEquals(137, child(d2, second, 3), both);
        assertTrue(Checkpoint.exists(d2), both);
        readStep(d2);
        Checkpoint.recover(d2);
        assertEquals(expectedAfter(second, expectedAfter(first, 1, 2), 3), readStep(d2), both);
        Checkpoint.write(d2, CheckpointTest.contents(4, 4));
        assertEquals(4, readStep(d2), both);
        assertClean(run);
      }
      assertTrue(Checkpoint.exists(dir), first);
      long seen = readStep(dir);
      assertTrue(seen == 1 || seen == 2, first + ": read step " + seen);
      Checkpoint.recover(dir);
      assertEquals(expectedAfter(first, 1, 2), readStep(dir), first);
      Checkpoint.write(dir, CheckpointTest.contents(3, 3));
      assertEquals(3, readStep(dir), first);
      assertClean(base);
    }
  }

  /** Copies a run directory as it is, links as links. */
  private static Path copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createSymbolicLink(q, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return to;
  }

  @Test
  void readersDuringSwapsNeverFailNorMixVersions() throws Exception {
    Path dir = tmp.resolve("checkpoint");
    Checkpoint.write(dir, CheckpointTest.contents(1, 1));
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Thread t = new Thread(() -> {
        long last = 0;
        while (!done.get()) {
          try {
            long s = readStep(dir);
            if (s < last) {
              throw new AssertionError("went back from step " + last + " to " + s);
            }
            last = s;
            reads.incrementAndGet();
          } catch (Throwable e) {
            errors.add(e);
          }
        }
      });
      t.start();
      readers.add(t);
    }
    for (long step = 2; step <= 60; step++) {
      Checkpoint.write(dir, CheckpointTest.contents(step, step));
    }
    done.set(true);
    for (Thread t : readers) {
      t.join(10_000);
    }
    assertTrue(errors.isEmpty(), errors.size() + " of " + reads.get() + " reads failed, first: " + errors.peek());
    assertTrue(reads.get() > 100, "too few reads to mean anything: " + reads.get());
    assertEquals(60, readStep(dir));
  }
}
