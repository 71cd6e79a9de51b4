package dev.rnn4j.tensor.kernel;

import dev.rnn4j.runtime.RuntimeSettings;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * <p>Transcendentals ({@code exp}, {@code tanh}, {@code sigmoid}) are computed lanewise from IEEE basic operations
 * only (add, mul, fma, div, min/max, integer shifts): Cody-Waite range reduction {@code x = n ln2 + r}, a Taylor
 * polynomial for {@code expm1(r)} on {@code |r| <= ln2/2}, and the scale {@code 2^n} built from exponent bits. The
 * JDK's own {@code lanewise(EXP/TANH)} was measured as fast (SVML), but it is NOT reproducible: C2 calls the SVML stub
 * while the interpreter and C1 fall back to a per-lane {@code Math.exp}, which rounds differently, so the same call
 * gave different bits depending on how warm the JIT was (a resumed training run differed from an uninterrupted one,
 * and one thread from two). Basic operations round the same in every tier. Accuracy against a double reference
 * (rnn4j-bench {@code TranscendentalAccuracy}, 23M arguments): exp 0.96 ulp, tanh 1.98 ulp, sigmoid 1.83 ulp at
 * most; by test within 2, 3 and 3 ulp of the scalar twin. Sigmoid is computed stably at both tails
 * ({@code e = exp(-|x|)}, then {@code 1/(1+e)} or {@code e/(1+e)}) with the rounding error of {@code 1 + e}
 * corrected, and tanh likewise corrects its denominator. {@code -Drnn4j.lanewiseMath=false} ({@link RuntimeSettings#lanewiseMath()}) delegates them to
 * {@link ScalarKernels} instead.
 */
public final class VectorKernels implements Kernels {
  private final VectorSpecies<Float> species;
  private final boolean lanewiseMath;
  private final ScalarKernels scalar = new ScalarKernels();
  private final boolean preferred; // species is the process's one: the hot loops run in PreferredVectorKernels

  public VectorKernels(VectorSpecies<Float> species) {
    this(species, RuntimeSettings.current().lanewiseMath());
  }

  /** {@code lanewiseMath}: exp/tanh/sigmoid on the Vector API (true) or through the scalar twin (false). */
  public VectorKernels(VectorSpecies<Float> species, boolean lanewiseMath) {
    this.species = species;
    this.lanewiseMath = lanewiseMath;
    this.preferred = species == PreferredVectorKernels.F;
  }

  /** Kernels of a bit width, with lanewise transcendentals as the process's settings say. */
  public static VectorKernels forBits(int bits) {
    return forBits(bits, RuntimeSettings.current().lanewiseMath());
  }

  /** The species for a bit width (64, 128, 256 or 512), or the machine's preferred one for 0. */
  public static VectorKernels forBits(int bits, boolean lanewiseMath) {
    return new VectorKernels(Species.forBits(bits), lanewiseMath);
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
    int i = preferred ? PreferredVectorKernels.add(out, outOff, x, xOff, y, yOff, n) : 0;
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
    int i = preferred ? PreferredVectorKernels.mul(out, outOff, x, xOff, y, yOff, n) : 0;
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
    int i = preferred ? PreferredVectorKernels.exp(out, outOff, x, xOff, n) : 0;
    for (; i < bound; i += species.length()) {
      exp(FloatVector.fromArray(species, x, xOff + i)).intoArray(out, outOff + i);
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
    int i = preferred ? PreferredVectorKernels.tanh(out, outOff, x, xOff, n) : 0;
    for (; i < bound; i += species.length()) {
      tanh(FloatVector.fromArray(species, x, xOff + i)).intoArray(out, outOff + i);
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
    // Nothing of the generic path may run before the delegation: a vector of a species C2 cannot see boxes.
    int i = preferred ? PreferredVectorKernels.sigmoid(out, outOff, x, xOff, n) : 0;
    for (; i < bound; i += species.length()) {
      FloatVector one = FloatVector.broadcast(species, 1f);
      FloatVector v = FloatVector.fromArray(species, x, xOff + i);
      FloatVector e = exp(v.abs().neg()); // e^-|x| in (0, 1]: never overflows
      FloatVector d = e.add(1f);
      FloatVector err = one.sub(d).add(e); // exact rounding error of 1 + e (Fast2Sum, 1 >= e)
      FloatVector num = one.blend(e, v.compare(VectorOperators.LT, 0f)); // x >= 0: 1/(1+e); x < 0: e/(1+e)
      FloatVector q = num.div(d);
      q.fma(err.div(d).neg(), q).intoArray(out, outOff + i); // q (1 - err/d)
    }
    scalar.sigmoid(out, outOff + i, x, xOff + i, n - i); // tail
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lanewise transcendentals from basic operations (see the class comment). Each works on whatever species its
  // argument has.

  static final float LOG2E = 1.44269504088896341f;
  static final float LN2_HI = 0.693145751953125f; // ln 2 to 16 bits: n * LN2_HI is exact for |n| < 256
  static final float LN2_LO = 1.42860682030941723e-6f; // ln 2 - LN2_HI
  static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer
  static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

  /**
   * {@code expm1(r)} for {@code |r| <= ln2}: {@code r + r^2 (1/2! + r/3! + ... + r^8/10!)}; the truncation error is
   * below {@code |r|^11/11! < 2^-31 |r|}.
   */
  private static FloatVector expm1Reduced(FloatVector r) {
    FloatVector p = r.broadcast(1f / 3628800);
    p = p.fma(r, r.broadcast(1f / 362880));
    p = p.fma(r, r.broadcast(1f / 40320));
    p = p.fma(r, r.broadcast(1f / 5040));
    p = p.fma(r, r.broadcast(1f / 720));
    p = p.fma(r, r.broadcast(1f / 120));
    p = p.fma(r, r.broadcast(1f / 24));
    p = p.fma(r, r.broadcast(1f / 6));
    p = p.fma(r, r.broadcast(0.5f));
    return r.mul(r).fma(p, r);
  }

  /** {@code 2^n} for integer lanes {@code -126 <= n <= 127}, from the exponent bits. */
  private static FloatVector pow2(IntVector n) {
    return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
  }

  /** {@code e^x}: 0 below -110, infinity above 88.72, NaN for NaN; subnormal results through a two-step scale. */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.max(-110f).min(89f); // NaN stays NaN
    FloatVector t = xc.fma(x.broadcast(LOG2E), x.broadcast(ROUND));
    FloatVector n = t.sub(ROUND); // round(x / ln2)
    IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS); // -159 <= n <= 129
    FloatVector r = n.neg().fma(x.broadcast(LN2_HI), xc);
    r = n.neg().fma(x.broadcast(LN2_LO), r); // x - n ln2, |r| <= ln2/2
    FloatVector q = expm1Reduced(r);
    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1); // 2^n = 2^n1 * 2^n2, each in the normal range
    FloatVector s1 = pow2(n1);
    return q.fma(s1, s1).mul(pow2(ni.sub(n1))); // (1 + q) 2^n1 2^n2
  }

  /**
   * {@code tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|))} with the sign of x. With {@code u = -2|x| = n ln2 + r},
   * {@code n = ceil(u / ln2)} (so {@code -ln2 < r <= 0}, and {@code n = 0} while {@code |u| < ln2}),
   * {@code expm1(u) = 2^n expm1(r) + (2^n - 1)} is one fma over exact terms, so nothing cancels near 0, and for
   * {@code n <= -1} the result is at least 1/2 in size. {@code |x|} is clamped at 10, where tanh rounds to 1.
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector u = x.abs().min(10f).mul(-2f); // NaN stays NaN
    FloatVector t = u.fma(x.broadcast(LOG2E), x.broadcast(0.5f)).add(ROUND); // rounds to n = ceil(u / ln2)
    FloatVector n = t.sub(ROUND);
    IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS); // -29 <= n <= 0
    FloatVector r = n.neg().fma(x.broadcast(LN2_HI), u);
    r = n.neg().fma(x.broadcast(LN2_LO), r);
    FloatVector s = pow2(ni);
    FloatVector em1 = s.fma(expm1Reduced(r), s.sub(1f)); // 2^n - 1 is exact for n >= -24
    FloatVector d = em1.add(2f);
    FloatVector err = x.broadcast(2f).sub(d).add(em1); // exact rounding error of 2 + em1 (Fast2Sum, 2 >= |em1|)
    FloatVector q = em1.neg().div(d);
    FloatVector mag = q.fma(err.div(d).neg(), q).abs(); // q (1 - err/d): as if divided by the exact 2 + em1
    IntVector sign = x.reinterpretAsInts().and(0x80000000);
    return mag.reinterpretAsInts().or(sign).reinterpretAsFloats();
  }
}
