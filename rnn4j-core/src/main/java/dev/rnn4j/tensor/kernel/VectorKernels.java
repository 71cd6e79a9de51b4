package dev.rnn4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API at a chosen width (chosen by {@link KernelSelector}). The loops are written
 * once, in {@code Loops}, against {@code sp()}; each width is a subclass whose {@code sp()} returns a {@code static
 * final} species. That matters: C2 intrinsifies vector operations only when the species is a compile-time constant.
 * With the species held in an instance field every vector was boxed and {@code dot} on 2048 floats took 2.3-4.4 us;
 * through the monomorphic {@code sp()} (one width per process) it takes 140-190 ns (JDK 17 and 25, build machine).
 * Each loop is the house template: a vector body up to {@code loopBound}, then a scalar tail. Only API present in
 * both JDK 17 and JDK 25 is used (arrays, {@code fma}, {@code reduceLanes}, {@code lanewise}, {@code blend}).
 *
 * <p>This class is loaded only when {@code jdk.incubator.vector} is in the boot layer; nothing else may reference it
 * directly.
 *
 * <p>Transcendentals ({@code exp}, {@code tanh}, {@code sigmoid}) run lanewise ({@code lanewise(EXP)}, {@code
 * lanewise(TANH)}) where the JDK intrinsifies them: x86-64 JDKs that ship {@code lib/libjsvml.so}. Elsewhere the
 * Vector API would fall back to a per-lane Java loop, slower than the scalar twin, so they delegate to
 * {@link ScalarKernels} ({@code -Drnn4j.lanewiseMath=true|false} overrides). Measured on the 2-core AMD EPYC
 * (AVX-512) build machine, JDK 17, shared with other jobs so the timings are noisy (rnn4j-bench
 * {@code TranscendentalBench} and {@code TranscendentalAccuracy}, 23M arguments in [-80, 80] / [-20, 20]):
 *
 * <pre>
 *            2048 floats: scalar Math   lanewise      max error vs double: scalar   lanewise
 *   exp                   62.8 us       1.14 us                            0.50 ulp  0.57 ulp
 *   tanh                 153.7 us       2.74 us                            0.50 ulp  0.57 ulp
 *   sigmoid               47.9 us       3.06 us                            0.50 ulp  1.81 ulp
 * </pre>
 *
 * Lanewise is 15 to 55 times faster and within 2 ulp, so it is adopted. Sigmoid is computed stably at both tails
 * ({@code e = exp(-|x|)}, then {@code 1/(1+e)} or {@code e/(1+e)}) with the rounding error of {@code 1 + e}
 * corrected; the naive {@code 1/(1+exp(-x))} measured 2.4 ulp.
 */
public final class VectorKernels implements Kernels {
  private static final VectorSpecies<Float> S64 = FloatVector.SPECIES_64;
  private static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;
  private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

  private final int bits; // 64, 128, 256 or 512
  private final Loops loops; // the loops at that width
  private final boolean lanewiseMath;
  private final ScalarKernels scalar = new ScalarKernels();

  public VectorKernels(VectorSpecies<Float> species) {
    this(species, defaultLanewiseMath());
  }

  /** {@code lanewiseMath}: exp/tanh/sigmoid on the Vector API (true) or through the scalar twin (false). */
  public VectorKernels(VectorSpecies<Float> species, boolean lanewiseMath) {
    this.bits = species.vectorBitSize();
    if (bits != 64 && bits != 128 && bits != 256 && bits != 512) {
      throw new IllegalArgumentException("vector width must be 64, 128, 256 or 512 bits, got " + bits);
    }
    this.loops = bits == 512 ? new L512() : bits == 256 ? new L256() : bits == 128 ? new L128() : new L64();
    this.lanewiseMath = lanewiseMath;
  }

  /**
   * Whether lanewise transcendentals are intrinsified here: {@code -Drnn4j.lanewiseMath} when set, else true on
   * x86-64 JDKs that ship their SVML stubs ({@code lib/libjsvml.so}).
   */
  public static boolean defaultLanewiseMath() {
    String prop = System.getProperty("rnn4j.lanewiseMath");
    if (prop != null) {
      return Boolean.parseBoolean(prop.trim());
    }
    String arch = System.getProperty("os.arch", "");
    boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
    return x86 && java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("java.home"), "lib",
        "libjsvml.so"));
  }

  /** Kernels of a bit width, with lanewise transcendentals as {@link #defaultLanewiseMath()} says. */
  public static VectorKernels forBits(int bits) {
    return forBits(bits, defaultLanewiseMath());
  }

  /** The species for a bit width (64, 128, 256 or 512), or the machine's preferred one for 0. */
  public static VectorKernels forBits(int bits, boolean lanewiseMath) {
    VectorSpecies<Float> s =
        switch (bits) {
          case 0 -> FloatVector.SPECIES_PREFERRED;
          case 64 -> S64;
          case 128 -> S128;
          case 256 -> S256;
          case 512 -> S512;
          default -> throw new IllegalArgumentException(
              "vector width must be 64, 128, 256 or 512 bits, got " + bits);
        };
    return new VectorKernels(s, lanewiseMath);
  }

  /** Lanes per vector. */
  public int lanes() {
    return bits / 32;
  }

  @Override
  public String name() {
    return "vector-" + bits + (lanewiseMath ? "" : "/scalar-math");
  }

  @Override
  public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
    return loops.dot(x, xOff, y, yOff, n);
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    loops.axpy(a, x, xOff, y, yOff, n);
  }

  @Override
  public void add(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    loops.add(out, outOff, x, xOff, y, yOff, n);
  }

  @Override
  public void mul(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    loops.mul(out, outOff, x, xOff, y, yOff, n);
  }

  @Override
  public void scale(float[] out, int outOff, float a, float[] x, int xOff, int n) {
    loops.scale(out, outOff, a, x, xOff, n);
  }

  @Override
  public float sum(float[] x, int xOff, int n) {
    return loops.sum(x, xOff, n);
  }

  @Override
  public void exp(float[] out, int outOff, float[] x, int xOff, int n) {
    int done = lanewiseMath ? loops.exp(out, outOff, x, xOff, n) : 0;
    scalar.exp(out, outOff + done, x, xOff + done, n - done); // tail (or all, without lanewise math)
  }

  @Override
  public void tanh(float[] out, int outOff, float[] x, int xOff, int n) {
    int done = lanewiseMath ? loops.tanh(out, outOff, x, xOff, n) : 0;
    scalar.tanh(out, outOff + done, x, xOff + done, n - done); // tail (or all)
  }

  @Override
  public void sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    int done = lanewiseMath ? loops.sigmoid(out, outOff, x, xOff, n) : 0;
    scalar.sigmoid(out, outOff + done, x, xOff + done, n - done); // tail (or all)
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * The loops, written once against {@link #sp()}: vector body up to loopBound, then a scalar tail. Each width is a
   * subclass whose {@code sp()} returns a {@code static final} species; in a process that uses one width the call
   * is monomorphic, C2 inlines it and the species becomes the compile-time constant the intrinsics need.
   */
  private abstract static class Loops {
    abstract VectorSpecies<Float> sp();

    float dot(float[] x, int xOff, float[] y, int yOff, int n) {
      VectorSpecies<Float> sp = sp();
      int step = sp.length();
      int bound = sp.loopBound(n);
      FloatVector acc0 = FloatVector.zero(sp);
      FloatVector acc1 = FloatVector.zero(sp);
      int i = 0;
      for (; i + step < bound; i += 2 * step) { // two independent accumulators hide the FMA latency
        acc0 = FloatVector.fromArray(sp, x, xOff + i).fma(FloatVector.fromArray(sp, y, yOff + i), acc0);
        acc1 = FloatVector.fromArray(sp, x, xOff + i + step).fma(FloatVector.fromArray(sp, y, yOff + i + step), acc1);
      }
      for (; i < bound; i += step) {
        acc0 = FloatVector.fromArray(sp, x, xOff + i).fma(FloatVector.fromArray(sp, y, yOff + i), acc0);
      }
      float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) { // tail
        s = Math.fma(x[xOff + i], y[yOff + i], s);
      }
      return s;
    }

    void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      FloatVector va = FloatVector.broadcast(sp, a);
      int i = 0;
      for (; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).fma(va, FloatVector.fromArray(sp, y, yOff + i)).intoArray(y, yOff + i);
      }
      for (; i < n; i++) { // tail
        y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
      }
    }

    void add(float[] out, int outOff, float[] x, int xOff, float[] y,
        int yOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      int i = 0;
      for (; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).add(FloatVector.fromArray(sp, y, yOff + i)).intoArray(out, outOff + i);
      }
      for (; i < n; i++) { // tail
        out[outOff + i] = x[xOff + i] + y[yOff + i];
      }
    }

    void mul(float[] out, int outOff, float[] x, int xOff, float[] y,
        int yOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      int i = 0;
      for (; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).mul(FloatVector.fromArray(sp, y, yOff + i)).intoArray(out, outOff + i);
      }
      for (; i < n; i++) { // tail
        out[outOff + i] = x[xOff + i] * y[yOff + i];
      }
    }

    void scale(float[] out, int outOff, float a, float[] x, int xOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      int i = 0;
      for (; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).mul(a).intoArray(out, outOff + i);
      }
      for (; i < n; i++) { // tail
        out[outOff + i] = a * x[xOff + i];
      }
    }

    float sum(float[] x, int xOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      FloatVector acc = FloatVector.zero(sp);
      int i = 0;
      for (; i < bound; i += sp.length()) {
        acc = acc.add(FloatVector.fromArray(sp, x, xOff + i));
      }
      float s = acc.reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) { // tail
        s += x[xOff + i];
      }
      return s;
    }

    /** e^x over the whole vectors; returns how many elements it did (the caller does the tail). */
    int exp(float[] out, int outOff, float[] x, int xOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      for (int i = 0; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).lanewise(VectorOperators.EXP).intoArray(out, outOff + i);
      }
      return bound;
    }

    /** tanh over the whole vectors; returns how many elements it did. */
    int tanh(float[] out, int outOff, float[] x, int xOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      for (int i = 0; i < bound; i += sp.length()) {
        FloatVector.fromArray(sp, x, xOff + i).lanewise(VectorOperators.TANH).intoArray(out, outOff + i);
      }
      return bound;
    }

    /**
     * sigmoid over the whole vectors, stable at both tails: with e = e^-|x| (never overflows), 1/(1+e) for x >= 0
     * and e/(1+e) for x < 0, corrected by the exact rounding error of 1 + e. Returns how many elements it did.
     */
    int sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
      VectorSpecies<Float> sp = sp();
      int bound = sp.loopBound(n);
      FloatVector one = FloatVector.broadcast(sp, 1f);
      for (int i = 0; i < bound; i += sp.length()) {
        FloatVector v = FloatVector.fromArray(sp, x, xOff + i);
        FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
        FloatVector d = e.add(1f);
        FloatVector err = one.sub(d).add(e); // Fast2Sum (1 >= e): d + err == 1 + e exactly
        FloatVector num = one.blend(e, v.compare(VectorOperators.LT, 0f));
        FloatVector q = num.div(d);
        q.fma(err.div(d).neg(), q).intoArray(out, outOff + i); // q (1 - err/d)
      }
      return bound;
    }
  }

  private static final class L64 extends Loops {
    @Override
    VectorSpecies<Float> sp() {
      return S64;
    }
  }

  private static final class L128 extends Loops {
    @Override
    VectorSpecies<Float> sp() {
      return S128;
    }
  }

  private static final class L256 extends Loops {
    @Override
    VectorSpecies<Float> sp() {
      return S256;
    }
  }

  private static final class L512 extends Loops {
    @Override
    VectorSpecies<Float> sp() {
      return S512;
    }
  }
}
