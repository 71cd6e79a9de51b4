package dev.rnn4j.tensor.kernel;

import dev.rnn4j.runtime.RuntimeSettings;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species of this process, from {@link RuntimeSettings#effectiveVectorBits()}: the width every Vector API
 * kernel runs at (elementwise kernels, GEMM, gate kernels). It is a {@code static final} constant because C2
 * intrinsifies Vector API calls only when it sees the species as one; a kernel holding its species in a field ran
 * several times slower than scalar code. Loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
public final class Species {
  /** The configured species (the machine's preferred one when the settings say scalar, for code that asks anyway). */
  public static final VectorSpecies<Float> FLOAT = forBits(RuntimeSettings.current().effectiveVectorBits());

  private Species() {}

  /** The species of a width in bits: 64, 128, 256 or 512, or the machine's preferred one for 0. */
  public static VectorSpecies<Float> forBits(int bits) {
    return switch (bits) {
      case 0 -> FloatVector.SPECIES_PREFERRED;
      case 64 -> FloatVector.SPECIES_64;
      case 128 -> FloatVector.SPECIES_128;
      case 256 -> FloatVector.SPECIES_256;
      case 512 -> FloatVector.SPECIES_512;
      default -> throw new IllegalArgumentException("vector width must be 64, 128, 256 or 512 bits, got " + bits);
    };
  }
}
