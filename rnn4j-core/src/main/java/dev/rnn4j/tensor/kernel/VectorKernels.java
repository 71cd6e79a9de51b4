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
 * <p>Transcendentals ({@code exp}, {@code tanh}, {@code sigmoid}) stay on {@link Math} through the scalar twin until
 * a lanewise version is measured to be both faster and as accurate.
 */
public final class VectorKernels implements Kernels {
  private final VectorSpecies<Float> species;
  private final ScalarKernels scalar = new ScalarKernels();

  public VectorKernels(VectorSpecies<Float> species) {
    this.species = species;
  }

  /** The species for a bit width (64, 128, 256 or 512), or the machine's preferred one for 0. */
  public static VectorKernels forBits(int bits) {
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
    return new VectorKernels(s);
  }

  /** Lanes per vector. */
  public int lanes() {
    return species.length();
  }

  @Override
  public String name() {
    return "vector-" + species.vectorBitSize();
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
    scalar.exp(out, outOff, x, xOff, n);
  }

  @Override
  public void tanh(float[] out, int outOff, float[] x, int xOff, int n) {
    scalar.tanh(out, outOff, x, xOff, n);
  }

  @Override
  public void sigmoid(float[] out, int outOff, float[] x, int xOff, int n) {
    scalar.sigmoid(out, outOff, x, xOff, n);
  }
}
