package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.Lstm;
import dev.rnn4j.nn.rnn.RnnConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@link Generator#defaultGenerator()}: one {@code manualSeed} call makes code that passes no generator
 * reproducible (PyTorch's {@code torch.manual_seed}), and concurrent draws neither tear nor lose its state.
 */
class DefaultGeneratorTest {
  @Test
  void oneSeedCallMakesGeneratorFreeCodeReproducible() {
    Generator.defaultGenerator().manualSeed(42);
    Linear a = new Linear(4, 3);
    Lstm la = new Lstm(RnnConfig.builder(3, 5).build());
    Tensor ra = Tensor.randn(2, 3);
    Generator.defaultGenerator().manualSeed(42);
    Linear b = new Linear(4, 3);
    Lstm lb = new Lstm(RnnConfig.builder(3, 5).build());
    Tensor rb = Tensor.randn(2, 3);
    assertArrayEquals(a.weight().toFloatArray(), b.weight().toFloatArray());
    assertArrayEquals(la.parameters().get(1).toFloatArray(), lb.parameters().get(1).toFloatArray());
    assertArrayEquals(ra.toFloatArray(), rb.toFloatArray());
    // and it is exactly what an explicit generator seeded the same way draws
    Linear c = new Linear(4, 3, new Generator(42));
    assertArrayEquals(a.weight().toFloatArray(), c.weight().toFloatArray());
    assertSame(Generator.defaultGenerator(), Generator.defaultGenerator());
    assertEquals(42, Generator.defaultGenerator().initialSeed());
  }

  /**
   * The default generator's type holds its lock in every method that reads or writes the state; the other draws
   * (nextFloat, nextDouble, nextInt, nextLong(low, high)) reach the state only through nextLong(). This is checked
   * here because a race on a loaded machine (threads that never overlap) may not show in the test below.
   */
  @Test
  void everyStateMethodOfTheDefaultGeneratorIsSynchronized() throws NoSuchMethodException {
    Class<?> shared = Generator.defaultGenerator().getClass();
    assertEquals("dev.rnn4j.tensor.Generator$Shared", shared.getName());
    for (java.lang.reflect.Method m : List.of(shared.getDeclaredMethod("manualSeed", long.class),
        shared.getDeclaredMethod("initialSeed"), shared.getDeclaredMethod("nextLong"),
        shared.getDeclaredMethod("nextGaussian"), shared.getDeclaredMethod("snapshot"),
        shared.getDeclaredMethod("restore", long[].class))) {
      assertTrue(java.lang.reflect.Modifier.isSynchronized(m.getModifiers()), m + " must hold the lock");
    }
  }

  @Test
  void concurrentDrawsAreAtomic() throws InterruptedException {
    int threads = 4;
    int perThread = 200_000;
    Generator.defaultGenerator().manualSeed(7);
    long[][] drawn = new long[threads][perThread];
    List<Thread> ts = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1); // all threads draw at once, not one after another
    for (int k = 0; k < threads; k++) {
      long[] mine = drawn[k];
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          mine[i] = Generator.defaultGenerator().nextLong();
        }
      });
      ts.add(t);
      t.start();
    }
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    // Whatever the interleaving, the threads together drew exactly the first threads * perThread values of seed 7:
    // no value twice (a lost update) and none outside the stream (a torn state).
    Generator ref = new Generator(7);
    long[] expected = new long[threads * perThread];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = ref.nextLong();
    }
    long[] got = new long[threads * perThread];
    for (int k = 0; k < threads; k++) {
      System.arraycopy(drawn[k], 0, got, k * perThread, perThread);
    }
    Arrays.sort(expected);
    Arrays.sort(got);
    assertArrayEquals(expected, got);
  }
}
