package dev.rnn4j.tensor;

/**
 * An explicit, seeded source of random numbers, the counterpart of {@code torch.Generator}. Every random operation in
 * rnn4j takes one, so a run is reproducible from its seed. The stream is SplitMix64 (Steele, Lea and Flood, 2014):
 * one 64-bit word of state, so a checkpoint can save and resume it exactly. It differs from PyTorch's Mersenne
 * Twister; golden tests therefore load PyTorch's tensors instead of regenerating them.
 *
 * <p>Not thread-safe: give each thread its own generator. The one exception is {@link #defaultGenerator()}.
 *
 * <p><b>The default generator.</b> Passing a generator is the recommended form: the code then says where its randomness
 * comes from, and two models never disturb each other's streams. For tutorial code and quick experiments, every
 * constructor that takes a {@code Generator} also has a form without one that draws from a single process-wide
 * default generator, the counterpart of PyTorch's {@code torch.default_generator}; one call,
 * {@code Generator.defaultGenerator().manualSeed(42)} (PyTorch's {@code torch.manual_seed(42)}), makes such code
 * reproducible. This is the one deliberate piece of global mutable state in rnn4j. The default generator is
 * thread-safe (each draw is atomic), but threads sharing it interleave their draws, so only single-threaded code is
 * reproducible through it. It starts from seed 0 (PyTorch's starts from a fixed seed too).
 */
public sealed class Generator permits Generator.Shared {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private static final Generator DEFAULT = new Shared(0);

  /**
   * The process-wide default generator that the constructors without a {@code Generator} argument draw from:
   * PyTorch's {@code torch.default_generator}. {@code Generator.defaultGenerator().manualSeed(s)} is
   * {@code torch.manual_seed(s)}. Thread-safe; see the class comment for when to prefer an explicit generator.
   */
  public static Generator defaultGenerator() {
    return DEFAULT;
  }

  /** The default generator's type: every method that reads or writes the state holds its lock. */
  static final class Shared extends Generator {
    Shared(long seed) {
      super(seed);
    }

    @Override
    public synchronized Generator manualSeed(long seed) {
      return super.manualSeed(seed);
    }

    @Override
    public synchronized long initialSeed() {
      return super.initialSeed();
    }

    @Override
    public synchronized long nextLong() {
      return super.nextLong();
    }

    @Override
    public synchronized long reserve(long count) {
      return super.reserve(count);
    }

    @Override
    public synchronized double nextGaussian() {
      return super.nextGaussian();
    }

    @Override
    public synchronized long[] snapshot() {
      return super.snapshot();
    }

    @Override
    public synchronized void restore(long[] snapshot) {
      super.restore(snapshot);
    }
  }

  private long seed;
  private long state;
  private double spareGaussian;
  private boolean hasSpare;

  /** A generator at the start of {@code seed}'s stream. PyTorch: {@code torch.Generator().manual_seed(seed)}. */
  public Generator(long seed) {
    manualSeed(seed);
  }

  /** Resets the stream to the start of {@code seed}'s sequence. */
  public Generator manualSeed(long seed) {
    this.seed = seed;
    this.state = seed;
    this.hasSpare = false;
    this.spareGaussian = 0;
    return this;
  }

  /** The seed last given to the constructor or {@link #manualSeed}. PyTorch: {@code Generator.initial_seed()}. */
  public long initialSeed() {
    return seed;
  }

  /** The next 64 random bits. */
  public long nextLong() {
    return mix(state += GOLDEN_GAMMA);
  }

  /**
   * Takes the next {@code count} draws of {@link #nextLong()} at once, for bulk operations that split them over
   * threads: returns a position {@code at} such that {@link #drawAt(long, long) drawAt(at, i)} is the {@code i}-th of
   * those draws ({@code 0 <= i < count}), and moves the stream past them. The numbers are exactly those that
   * {@code count} calls of {@link #nextLong()} would have given, so a run's stream does not depend on whether an
   * operation drew them one by one or in bulk.
   *
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public long reserve(long count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    long at = state;
    state += count * GOLDEN_GAMMA; // SplitMix64's state moves by a constant per draw (modulo 2^64)
    return at;
  }

  /**
   * Draw {@code i} of a block taken by {@link #reserve(long)} at position {@code at}: a pure function, safe to call
   * from any thread.
   */
  public static long drawAt(long at, long i) {
    return mix(at + (i + 1) * GOLDEN_GAMMA);
  }

  /** SplitMix64's output function of one state word. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1): 24 random bits, so 1.0f is never returned. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1): 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Standard normal, by the Marsaglia polar method. */
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spareGaussian;
    }
    double u;
    double v;
    double s;
    do {
      u = nextDouble() * 2 - 1;
      v = nextDouble() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double m = Math.sqrt(-2 * Math.log(s) / s);
    spareGaussian = v * m;
    hasSpare = true;
    return u * m;
  }

  /** Uniform integer in [0, bound), without modulo bias. */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    return (int) nextLong(0, bound);
  }

  /** Uniform long in [low, high), without modulo bias. */
  public long nextLong(long low, long high) {
    if (high <= low) {
      throw new IllegalArgumentException("empty range [" + low + ", " + high + ")");
    }
    long range = high - low;
    if (range <= 0) { // the span overflowed a long: rejection on the whole word
      long r;
      do {
        r = nextLong();
      } while (r < low || r >= high);
      return r;
    }
    long limit = Long.MAX_VALUE - (Long.MAX_VALUE % range);
    long r;
    do {
      r = nextLong() >>> 1;
    } while (r >= limit);
    return low + r % range;
  }

  /** The complete state: {@code {seed, state, hasSpare, spare bits}}. {@link #restore(long[])} undoes it. */
  public long[] snapshot() {
    return new long[] {seed, state, hasSpare ? 1 : 0, Double.doubleToRawLongBits(spareGaussian)};
  }

  /** Restores a state made by {@link #snapshot()}. */
  public void restore(long[] snapshot) {
    if (snapshot == null || snapshot.length != 4) {
      throw new IllegalArgumentException(
          "a generator state has 4 words, got " + (snapshot == null ? "null" : snapshot.length));
    }
    seed = snapshot[0];
    state = snapshot[1];
    hasSpare = snapshot[2] != 0;
    spareGaussian = Double.longBitsToDouble(snapshot[3]);
  }
}
