package dev.rnn4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The hot {@link VectorKernels} loops at the process's width ({@link Species#FLOAT}, from the runtime settings),
 * with the species a {@code static final} constant and the math written out inside each loop. C2 intrinsifies Vector
 * API calls only when it can see the concrete vector class: with the species in an instance field, or a vector
 * handed to a helper method too big to inline, every operation fell back to Java code that boxes each vector, slower
 * than scalar code. {@link VectorKernels} delegates here whenever its species is the process's one and keeps the
 * generic code (same operations in the same order, so the same bits) for the other widths the tests force. Formulas and accuracy: see {@link VectorKernels}.
 */
final class PreferredVectorKernels {
  static final VectorSpecies<Float> F = Species.FLOAT;

  private PreferredVectorKernels() {}

  static int add(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(out, outOff + i);
    }
    return i;
  }

  static int mul(float[] out, int outOff, float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector.fromArray(F, x, xOff + i).mul(FloatVector.fromArray(F, y, yOff + i)).intoArray(out, outOff + i);
    }
    return i;
  }

  /** e^x over the vector body; returns where the scalar tail starts. */
  static int exp(float[] out, int outOff, float[] x, int xOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i);
      FloatVector xc = v.max(-110f).min(89f);
      expClamped(xc).intoArray(out, outOff + i);
    }
    return i;
  }

  /** tanh over the vector body; returns where the scalar tail starts. */
  static int tanh(float[] out, int outOff, float[] x, int xOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i);
      FloatVector u = v.abs().min(10f).mul(-2f);
      FloatVector t = u.fma(FloatVector.broadcast(F, VectorKernels.LOG2E), FloatVector.broadcast(F, 0.5f))
          .add(VectorKernels.ROUND);
      FloatVector nf = t.sub(VectorKernels.ROUND);
      IntVector ni = t.reinterpretAsInts().sub(VectorKernels.ROUND_BITS);
      FloatVector r = nf.neg().fma(FloatVector.broadcast(F, VectorKernels.LN2_HI), u);
      r = nf.neg().fma(FloatVector.broadcast(F, VectorKernels.LN2_LO), r);
      FloatVector s = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      FloatVector em1 = s.fma(expm1Poly(r), s.sub(1f));
      FloatVector d = em1.add(2f);
      FloatVector err = FloatVector.broadcast(F, 2f).sub(d).add(em1);
      FloatVector q = em1.neg().div(d);
      FloatVector mag = q.fma(err.div(d).neg(), q).abs();
      IntVector sign = v.reinterpretAsInts().and(0x80000000);
      mag.reinterpretAsInts().or(sign).reinterpretAsFloats().intoArray(out, outOff + i);
    }
    return i;
  }

  /** sigmoid over the vector body; returns where the scalar tail starts. */
  static int sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    int bound = F.loopBound(n);
    FloatVector one = FloatVector.broadcast(F, 1f);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i);
      // e = e^-|x|, as exp() above (the argument is in [-inf, 0], so only the lower clamp matters)
      FloatVector xc = v.abs().neg().max(-110f).min(89f);
      FloatVector e = expClamped(xc);
      FloatVector d = e.add(1f);
      FloatVector err = one.sub(d).add(e);
      FloatVector num = one.blend(e, v.compare(VectorOperators.LT, 0f));
      FloatVector q = num.div(d);
      q.fma(err.div(d).neg(), q).intoArray(out, outOff + i);
    }
    return i;
  }

  /** The expm1 polynomial of {@link VectorKernels}, small enough for C2 to inline (its argument's class is known). */
  /**
   * {@code e^xc} for {@code xc} already clamped to [-110, 89], shared by exp and sigmoid: Cody-Waite reduction
   * {@code xc = n ln2 + r}, {@code expm1(r)} by polynomial, and {@code 2^n} applied in two halves built from exponent
   * bits (so that subnormal results stay exact).
   */
  private static FloatVector expClamped(FloatVector xc) {
    FloatVector t = xc.fma(FloatVector.broadcast(F, VectorKernels.LOG2E),
        FloatVector.broadcast(F, VectorKernels.ROUND));
    FloatVector nf = t.sub(VectorKernels.ROUND);
    IntVector ni = t.reinterpretAsInts().sub(VectorKernels.ROUND_BITS);
    FloatVector r = nf.neg().fma(FloatVector.broadcast(F, VectorKernels.LN2_HI), xc);
    r = nf.neg().fma(FloatVector.broadcast(F, VectorKernels.LN2_LO), r);
    FloatVector q = expm1Poly(r);
    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return q.fma(s1, s1).mul(s2);
  }

  private static FloatVector expm1Poly(FloatVector r) {
    FloatVector p = FloatVector.broadcast(F, 1f / 3628800);
    p = p.fma(r, FloatVector.broadcast(F, 1f / 362880));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 40320));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 5040));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 720));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
    p = p.fma(r, FloatVector.broadcast(F, 0.5f));
    return r.mul(r).fma(p, r);
  }
}
