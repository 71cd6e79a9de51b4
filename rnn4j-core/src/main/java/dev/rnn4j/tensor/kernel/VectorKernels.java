package dev.rnn4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API, species-agnostic: the species is chosen by {@link KernelSelector} and
 * passed in. Each loop is the house template: a vector body up to {@code loopBound}, then a scalar tail. Only the
 * API subset shared by JDK 17 and JDK 25 is used (arrays, {@code fma}, {@code reduceLanes}).
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
  private final VectorSpecies<Float> species;
  private final boolean lanewiseMath;
  private final ScalarKernels scalar = new ScalarKernels();

  public VectorKernels(VectorSpecies<Float> species) {
    this(species, defaultLanewiseMath());
  }

  /** {@code lanewiseMath}: exp/tanh/sigmoid on the Vector API (true) or through the scalar twin (false). */
  public VectorKernels(VectorSpecies<Float> species, boolean lanewiseMath) {
    this.species = species;
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
          case 64 -> FloatVector.SPECIES_64;
          case 128 -> FloatVector.SPECIES_128;
          case 256 -> FloatVector.SPECIES_256;
          case 512 -> FloatVector.SPECIES_512;
          default -> throw new IllegalArgumentException(
              "vector width must be 64, 128, 256 or 512 bits, got " + bits);
        };
    return new VectorKernels(s, lanewiseMath);
  }

  /** Lanes per vector. */
  public int lanes() {
    return species.length();
  }

  @Override
  public String name() {
    return "vector-" + species.vectorBitSize() + (lanewiseMath ? "" : "/scalar-math");
  }

  @Override
  public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
    int step = species.length();
    int bound = species.loopBound(n);
    FloatVector acc0 = FloatVector.zero(species);
    FloatVector acc1 = FloatVector.zero(species);
    int i = 0;
    for (; i + step < bound; i += 2 * step) { // two independent accumulators hide the FMA latency
      acc0 = FloatVector.fromArray(species, x, xOff + i).fma(FloatVector.fromArray(species, y, yOff + i), acc0);
      acc1 = FloatVector.fromArray(species, x, xOff + i + step)
          .fma(FloatVector.fromArray(species, y, yOff + i + step), acc1);
    }
    for (; i < bound; i += step) {
      acc0 = FloatVector.fromArray(species, x, xOff + i).fma(FloatVector.fromArray(species, y, yOff + i), acc0);
    }
    float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) { // tail
      s = Math.fma(x[xOff + i], y[yOff + i], s);
    }
    return s;
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = species.loopBound(n);
    FloatVector va = FloatVector.broadcast(species, a);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i)
          .fma(va, FloatVector.fromArray(species, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) { // tail
      y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void add(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = species.loopBound(n);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i)
          .add(FloatVector.fromArray(species, y, yOff + i))
          .intoArray(out, outOff + i);
    }
    for (; i < n; i++) { // tail
      out[outOff + i] = x[xOff + i] + y[yOff + i];
    }
  }

  @Override
  public void mul(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = species.loopBound(n);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i)
          .mul(FloatVector.fromArray(species, y, yOff + i))
          .intoArray(out, outOff + i);
    }
    for (; i < n; i++) { // tail
      out[outOff + i] = x[xOff + i] * y[yOff + i];
    }
  }

  @Override
  public void scale(float[] out, int outOff, float a, float[] x, int xOff, int n) {
    int bound = species.loopBound(n);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i).mul(a).intoArray(out, outOff + i);
    }
    for (; i < n; i++) { // tail
      out[outOff + i] = a * x[xOff + i];
    }
  }

  @Override
  public float sum(float[] x, int xOff, int n) {
    int bound = species.loopBound(n);
    FloatVector acc = FloatVector.zero(species);
    int i = 0;
    for (; i < bound; i += species.length()) {
      acc = acc.add(FloatVector.fromArray(species, x, xOff + i));
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) { // tail
      s += x[xOff + i];
    }
    return s;
  }

  @Override
  public void exp(float[] out, int outOff, float[] x, int xOff, int n) {
    if (!lanewiseMath) {
      scalar.exp(out, outOff, x, xOff, n);
      return;
    }
    int bound = species.loopBound(n);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i).lanewise(VectorOperators.EXP).intoArray(out, outOff + i);
    }
    scalar.exp(out, outOff + i, x, xOff + i, n - i); // tail
  }

  @Override
  public void tanh(float[] out, int outOff, float[] x, int xOff, int n) {
    if (!lanewiseMath) {
      scalar.tanh(out, outOff, x, xOff, n);
      return;
    }
    int bound = species.loopBound(n);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector.fromArray(species, x, xOff + i).lanewise(VectorOperators.TANH).intoArray(out, outOff + i);
    }
    scalar.tanh(out, outOff + i, x, xOff + i, n - i); // tail
  }

  @Override
  public void sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    if (!lanewiseMath) {
      scalar.sigmoid(out, outOff, x, xOff, n);
      return;
    }
    int bound = species.loopBound(n);
    FloatVector one = FloatVector.broadcast(species, 1f);
    int i = 0;
    for (; i < bound; i += species.length()) {
      FloatVector v = FloatVector.fromArray(species, x, xOff + i);
      FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP); // e^-|x| in (0, 1]: never overflows
      FloatVector d = e.add(1f);
      FloatVector err = one.sub(d).add(e); // exact rounding error of 1 + e (Fast2Sum, 1 >= e)
      FloatVector num = one.blend(e, v.compare(VectorOperators.LT, 0f)); // x >= 0: 1/(1+e); x < 0: e/(1+e)
      FloatVector q = num.div(d);
      q.fma(err.div(d).neg(), q).intoArray(out, outOff + i); // q (1 - err/d)
    }
    scalar.sigmoid(out, outOff + i, x, xOff + i, n - i); // tail
  }
}
