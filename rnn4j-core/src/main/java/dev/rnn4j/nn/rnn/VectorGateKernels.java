package dev.rnn4j.nn.rnn;

import dev.rnn4j.tensor.kernel.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector bodies of the {@link GateKernels} backward kernels: plain arithmetic over the units of one row, which
 * C2 does not vectorize by itself here (the loops read and write several float arrays it cannot prove distinct).
 * Each method does the units {@code [0, loopBound(H))} of one row with exactly the scalar loop's operations in the
 * scalar loop's order (no fma), so the bits are those of the scalar loop, which does the tail. The species is a
 * {@code static final} constant so every vector stays in a register.
 *
 * <p>Loaded only when {@code jdk.incubator.vector} is in the boot layer ({@link GateKernels#VECTOR}).
 */
final class VectorGateKernels {
  private static final VectorSpecies<Float> F = Species.FLOAT;

  private VectorGateKernels() {}

  /** One row of {@link GateKernels#lstmBackward}; returns the first unit left to the scalar loop. */
  static int lstmBackwardRow(int hs, float[] dh, float[] dc, int so, float[] act, int a, float[] tanhC, int tc,
      float[] cPrev, int cp, float[] dG, int q) {
    int bound = F.loopBound(hs);
    FloatVector one = FloatVector.broadcast(F, 1f);
    int k = 0;
    for (; k < bound; k += F.length()) {
      FloatVector i = FloatVector.fromArray(F, act, a + k);
      FloatVector f = FloatVector.fromArray(F, act, a + hs + k);
      FloatVector g = FloatVector.fromArray(F, act, a + 2 * hs + k);
      FloatVector o = FloatVector.fromArray(F, act, a + 3 * hs + k);
      FloatVector t = FloatVector.fromArray(F, tanhC, tc + k);
      FloatVector d = FloatVector.fromArray(F, dh, so + k);
      FloatVector dcn = FloatVector.fromArray(F, dc, so + k).add(d.mul(o).mul(one.sub(t.mul(t))));
      dcn.mul(g).mul(i).mul(one.sub(i)).intoArray(dG, q + k);
      dcn.mul(FloatVector.fromArray(F, cPrev, cp + k)).mul(f).mul(one.sub(f)).intoArray(dG, q + hs + k);
      dcn.mul(i).mul(one.sub(g.mul(g))).intoArray(dG, q + 2 * hs + k);
      d.mul(t).mul(o).mul(one.sub(o)).intoArray(dG, q + 3 * hs + k);
      dcn.mul(f).intoArray(dc, so + k);
    }
    return k;
  }

  /** One row of {@link GateKernels#gruBackward}; returns the first unit left to the scalar loop. */
  static int gruBackwardRow(int hs, float[] dh, int so, float[] hPrev, int hp, float[] act, int a, float[] hgN,
      int hn, float[] dGi, int q, float[] dGh, int qh) {
    int bound = F.loopBound(hs);
    FloatVector one = FloatVector.broadcast(F, 1f);
    int k = 0;
    for (; k < bound; k += F.length()) {
      FloatVector rg = FloatVector.fromArray(F, act, a + k);
      FloatVector z = FloatVector.fromArray(F, act, a + hs + k);
      FloatVector nn = FloatVector.fromArray(F, act, a + 2 * hs + k);
      FloatVector d = FloatVector.fromArray(F, dh, so + k);
      FloatVector dnPre = d.mul(one.sub(z)).mul(one.sub(nn.mul(nn)));
      FloatVector dzPre = d.mul(FloatVector.fromArray(F, hPrev, hp + k).sub(nn)).mul(z).mul(one.sub(z));
      FloatVector drPre = dnPre.mul(FloatVector.fromArray(F, hgN, hn + k)).mul(rg).mul(one.sub(rg));
      drPre.intoArray(dGi, q + k);
      drPre.intoArray(dGh, qh + k);
      dzPre.intoArray(dGi, q + hs + k);
      dzPre.intoArray(dGh, qh + hs + k);
      dnPre.intoArray(dGi, q + 2 * hs + k);
      dnPre.mul(rg).intoArray(dGh, qh + 2 * hs + k);
      d.mul(z).intoArray(dh, so + k);
    }
    return k;
  }
}
