package dev.rnn4j.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Every switch that changes how rnn4j computes (never what it computes, beyond float rounding), in one immutable
 * value. The process's settings ({@link #current()}) are read once, at first use, from system properties and the
 * environment ({@link #fromSystem}), or installed before that with {@link #install} (programmatic use). Nothing else
 * in rnn4j reads a system property or an environment variable to decide how to run.
 *
 * <p>The kernels' width, the GEMM backend and the thread count hold for the whole process: they pick compiled-in
 * constants (a vector species C2 must see as a constant), one BLAS, and the size of the runtime's thread team (made
 * once, at its first parallel loop, and never resized). The per-layer choices
 * ({@link #keepPackedWeights}, {@link #stepsByUnits}, {@link #concurrentDirections}) are read from the settings a
 * recurrent module holds (by default these), so two modules in one process can differ, which is how an A/B
 * measurement compares them.
 *
 * <table>
 *   <caption>Switches: system property, environment variable, values (default first)</caption>
 *   <tr><td>{@code rnn4j.blas}</td><td>{@code RNN4J_BLAS}</td><td>{@code auto|native|java}</td></tr>
 *   <tr><td>{@code rnn4j.openblas}</td><td>{@code RNN4J_OPENBLAS}</td><td>path of libopenblas</td></tr>
 *   <tr><td>{@code rnn4j.vectorBits}</td><td>{@code RNN4J_VECTOR_BITS}</td><td>{@code auto|0|128|256|512}</td></tr>
 *   <tr><td>{@code rnn4j.threads}</td><td>{@code RNN4J_THREADS}</td><td>available processors, or N</td></tr>
 *   <tr><td>{@code rnn4j.lanewiseMath}</td><td>{@code RNN4J_LANEWISE_MATH}</td><td>{@code true|false}</td></tr>
 *   <tr><td>{@code rnn4j.skinnyGemm}</td><td>{@code RNN4J_SKINNY_GEMM}</td><td>JDK 17: true, else false</td></tr>
 *   <tr><td>{@code rnn4j.packedGemm}</td><td>{@code RNN4J_PACKED_GEMM}</td><td>{@code true|false}</td></tr>
 *   <tr><td>{@code rnn4j.keepPackedWeights}</td><td>{@code RNN4J_KEEP_PACKED_WEIGHTS}</td><td>{@code true|false}</td></tr>
 *   <tr><td>{@code rnn4j.stepsByUnits}</td><td>{@code RNN4J_STEPS_BY_UNITS}</td><td>{@code true|false}</td></tr>
 *   <tr><td>{@code rnn4j.concurrentDirections}</td><td>{@code RNN4J_CONCURRENT_DIRECTIONS}</td><td>{@code true|false}</td></tr>
 * </table>
 *
 * A system property wins over the environment variable. {@code OPENBLAS_NUM_THREADS} (OpenBLAS's own variable) is
 * read here too: unless it is 1, OpenBLAS threads each call itself and rnn4j does not split products on top.
 *
 * @param backend where general matrix products run: native OpenBLAS when found ({@code AUTO}), OpenBLAS or fail
 *     ({@code NATIVE}), or pure Java ({@code JAVA})
 * @param openblasPath the OpenBLAS library to load, or null to look in the usual places
 * @param vectorBits kernel width in bits: {@link #AUTO_WIDTH} (-1) for the machine's preferred width, 0 for the
 *     scalar kernels, or 128, 256, 512. A width wider than the CPU's still computes correctly, slowly.
 * @param threads threads of rnn4j's own parallel loops (the caller counts as one), at least 1
 * @param lanewiseMath exp/tanh/sigmoid on the Vector API (true) or through the scalar {@code Math} loop
 * @param skinnyGemm the few-row {@code A B^T} kernel; off by default on JDK 18+, whose compiled lane sums differ from
 *     the interpreted ones (a resumed training run would then differ in the last bits from an uninterrupted one)
 * @param packedGemm without native BLAS, rnn4j's packed Vector API GEMM (true) rather than netlib's Java BLAS
 * @param keepPackedWeights a recurrent module keeps packed copies of its weights between inference calls
 * @param stepsByUnits a recurrent step is cut by hidden units over the threads where the plan allows it (same bits)
 * @param concurrentDirections with exactly two threads, a bidirectional layer runs its two directions at once
 * @param openblasThreads the value of {@code OPENBLAS_NUM_THREADS}, or null when unset
 */
public record RuntimeSettings(Backend backend, String openblasPath, int vectorBits, int threads,
    boolean lanewiseMath, boolean skinnyGemm, boolean packedGemm, boolean keepPackedWeights, boolean stepsByUnits,
    boolean concurrentDirections, String openblasThreads) {
  private static final Logger LOG = Logger.getLogger(RuntimeSettings.class.getName());

  /** {@link #vectorBits} value meaning the machine's preferred width. */
  public static final int AUTO_WIDTH = -1;

  /** Where general matrix products run. */
  public enum Backend {
/** OpenBLAS when it loads, otherwise the pure-Java GEMM. */
    AUTO,
/** OpenBLAS, or an error when it does not load. */
    NATIVE,
/** The pure-Java GEMM: rnn4j's packed Vector API kernel, or netlib's Java BLAS without the Vector API module. */
    JAVA
  }

  private static final Object LOCK = new Object();
  private static volatile RuntimeSettings current; // set once, under LOCK

/** Checks every value; out-of-range ones are refused with the range they must lie in. */
  public RuntimeSettings {
    Objects.requireNonNull(backend, "backend");
    if (vectorBits != AUTO_WIDTH && vectorBits != 0 && vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
      throw new IllegalArgumentException("vectorBits must be auto (-1), 0, 128, 256 or 512, got " + vectorBits);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  /** The defaults of this machine and JDK, ignoring system properties and the environment. */
  public static RuntimeSettings defaults() {
    return new RuntimeSettings(Backend.AUTO, null, AUTO_WIDTH, Runtime.getRuntime().availableProcessors(), true,
        Runtime.version().feature() < 18, true, true, true, true, null);
  }

  /** The defaults overridden by the system properties and environment variables in the class comment. */
  public static RuntimeSettings fromSystem() {
    return fromSources(System::getProperty, System::getenv);
  }

  /**
   * The defaults overridden by {@code property} (system-property names) then, where a property is absent,
   * {@code env} (environment-variable names); either may return null for an absent name.
   */
  public static RuntimeSettings fromSources(Function<String, String> property, Function<String, String> env) {
    RuntimeSettings d = defaults();
    Function<String, String> get = name -> {
      String p = property.apply("rnn4j." + name);
      return p != null ? p.trim() : trimmed(env.apply(envName(name)));
    };
    String blas = get.apply("blas");
    Backend backend = blas == null ? d.backend : switch (blas.toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> Backend.AUTO;
      case "native" -> Backend.NATIVE;
      case "java" -> Backend.JAVA;
      default -> throw new IllegalArgumentException("rnn4j.blas must be auto, native or java, got '" + blas + "'");
    };
    String bits = get.apply("vectorBits");
    int vectorBits = bits == null || bits.equalsIgnoreCase("auto") ? AUTO_WIDTH : parseInt("vectorBits", bits);
    String threads = get.apply("threads");
    return new RuntimeSettings(backend, get.apply("openblas"), vectorBits,
        threads == null ? d.threads : parseInt("threads", threads),
        bool(get, "lanewiseMath", d.lanewiseMath), bool(get, "skinnyGemm", d.skinnyGemm),
        bool(get, "packedGemm", d.packedGemm), bool(get, "keepPackedWeights", d.keepPackedWeights),
        bool(get, "stepsByUnits", d.stepsByUnits), bool(get, "concurrentDirections", d.concurrentDirections),
        trimmed(env.apply("OPENBLAS_NUM_THREADS")));
  }

  /**
   * The settings of this process: those given to {@link #install}, or else {@link #fromSystem()} read now, once.
   * Logged once at FINE when fixed.
   */
  public static RuntimeSettings current() {
    RuntimeSettings s = current;
    if (s == null) {
      synchronized (LOCK) {
        s = current;
        if (s == null) {
          s = fromSystem();
          fix(s);
        }
      }
    }
    return s;
  }

  /**
   * Makes {@code settings} this process's settings. Only before anything has used them (the first GEMM, kernel or
   * parallel loop fixes them); installing the same value again is allowed.
   *
   * @throws IllegalStateException when other settings are already in use
   */
  public static void install(RuntimeSettings settings) {
    Objects.requireNonNull(settings, "settings");
    synchronized (LOCK) {
      if (current != null && !current.equals(settings)) {
        throw new IllegalStateException("rnn4j runtime settings are already in use (" + current.describe()
            + "); install them before the first computation, got " + settings.describe());
      }
      if (current == null) {
        fix(settings);
      }
    }
  }

  private static void fix(RuntimeSettings s) {
    current = s;
    LOG.fine(() -> "rnn4j runtime settings: " + s.describe());
  }

  /** Whether {@code jdk.incubator.vector} is in the boot layer (the JVM was started with {@code --add-modules}). */
  public static boolean vectorApiLoaded() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** A copy with another thread count. */
  public RuntimeSettings withThreads(int n) {
    return new RuntimeSettings(backend, openblasPath, vectorBits, n, lanewiseMath, skinnyGemm, packedGemm,
        keepPackedWeights, stepsByUnits, concurrentDirections, openblasThreads);
  }

  /** A copy with another kernel width ({@link #AUTO_WIDTH}, 0, 128, 256 or 512). */
  public RuntimeSettings withVectorBits(int bits) {
    return new RuntimeSettings(backend, openblasPath, bits, threads, lanewiseMath, skinnyGemm, packedGemm,
        keepPackedWeights, stepsByUnits, concurrentDirections, openblasThreads);
  }

  /** A copy with another GEMM backend. */
  public RuntimeSettings withBackend(Backend b) {
    return new RuntimeSettings(b, openblasPath, vectorBits, threads, lanewiseMath, skinnyGemm, packedGemm,
        keepPackedWeights, stepsByUnits, concurrentDirections, openblasThreads);
  }

  /** A copy that keeps (or does not keep) packed weights between inference calls. */
  public RuntimeSettings withKeepPackedWeights(boolean on) {
    return new RuntimeSettings(backend, openblasPath, vectorBits, threads, lanewiseMath, skinnyGemm, packedGemm,
        on, stepsByUnits, concurrentDirections, openblasThreads);
  }

  /** A copy that cuts (or does not cut) recurrent steps by hidden units. */
  public RuntimeSettings withStepsByUnits(boolean on) {
    return new RuntimeSettings(backend, openblasPath, vectorBits, threads, lanewiseMath, skinnyGemm, packedGemm,
        keepPackedWeights, on, concurrentDirections, openblasThreads);
  }

  /** A copy that runs (or does not run) a bidirectional layer's directions at once. */
  public RuntimeSettings withConcurrentDirections(boolean on) {
    return new RuntimeSettings(backend, openblasPath, vectorBits, threads, lanewiseMath, skinnyGemm, packedGemm,
        keepPackedWeights, stepsByUnits, on, openblasThreads);
  }

  /**
   * The kernel width in effect: {@link #vectorBits} when the Vector API is loaded (the preferred width for
   * {@link #AUTO_WIDTH}), 0 (scalar) without it.
   */
  public int effectiveVectorBits() {
    if (vectorBits == 0 || !vectorApiLoaded()) {
      return 0;
    }
    return vectorBits == AUTO_WIDTH ? PreferredWidth.BITS : vectorBits;
  }

  /**
   * Whether OpenBLAS threads each call itself (then rnn4j does not split products over its own threads): unless
   * {@code OPENBLAS_NUM_THREADS} is 1, OpenBLAS uses every core (its default when the variable is unset).
   */
  public boolean openblasThreadsItself() {
    return openblasThreads == null || !openblasThreads.equals("1");
  }

  /** Every setting by name, in declaration order, as {@code rnn4j info} prints them. */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("blas", backend.name().toLowerCase(java.util.Locale.ROOT));
    m.put("openblas", openblasPath == null ? "(search)" : openblasPath);
    m.put("vectorBits", (vectorBits == AUTO_WIDTH ? "auto" : String.valueOf(vectorBits)) + " -> "
        + effectiveVectorBits() + (vectorApiLoaded() ? "" : " (jdk.incubator.vector not loaded)"));
    m.put("threads", String.valueOf(threads));
    m.put("lanewiseMath", String.valueOf(lanewiseMath));
    m.put("skinnyGemm", String.valueOf(skinnyGemm));
    m.put("packedGemm", String.valueOf(packedGemm));
    m.put("keepPackedWeights", String.valueOf(keepPackedWeights));
    m.put("stepsByUnits", String.valueOf(stepsByUnits));
    m.put("concurrentDirections", String.valueOf(concurrentDirections));
    m.put("OPENBLAS_NUM_THREADS", openblasThreads == null ? "(unset)" : openblasThreads);
    return m;
  }

  /** One line: {@code name=value, ...}. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    asMap().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
    return sb.toString();
  }

  /** {@code vectorBits} -> {@code RNN4J_VECTOR_BITS}. */
  static String envName(String name) {
    return "RNN4J_" + name.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
  }

  private static String trimmed(String s) {
    return s == null ? null : s.trim();
  }

  private static int parseInt(String name, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rnn4j." + name + " must be an integer, got '" + v + "'");
    }
  }

  private static boolean bool(Function<String, String> get, String name, boolean dflt) {
    String v = get.apply(name);
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("rnn4j." + name + " must be true or false, got '" + v + "'");
    };
  }

  /** The machine's preferred vector width, looked up only when the Vector API is loaded. */
  private static final class PreferredWidth {
    static final int BITS = preferredBits();

    private static int preferredBits() {
      try {
        Class<?> fv = Class.forName("jdk.incubator.vector.FloatVector");
        Object species = fv.getField("SPECIES_PREFERRED").get(null);
        return (Integer) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("vectorBitSize").invoke(species);
      } catch (ReflectiveOperationException | LinkageError e) {
        return 0;
      }
    }
  }
}
