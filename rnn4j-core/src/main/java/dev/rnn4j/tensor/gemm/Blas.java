package dev.rnn4j.tensor.gemm;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Chooses the BLAS behind {@link Gemm}, once, at first use, and logs the choice.
 *
 * <ul>
 *   <li>Native OpenBLAS, when the machine has it (Debian: {@code libopenblas0-pthread}). netlib is pointed at the
 *       OpenBLAS library file itself, never at whatever {@code libblas.so.3} resolves to, which may be the slow
 *       reference BLAS.
 *   <li>Otherwise netlib's pure-Java BLAS (its Vector API implementation when {@code jdk.incubator.vector} is
 *       loaded).
 * </ul>
 *
 * <p>{@code -Drnn4j.blas=auto|native|java} (or the environment variable {@code RNN4J_BLAS}) forces a side;
 * {@code -Drnn4j.openblas=/path/libopenblas.so.0} names the library. OpenBLAS's own threads are counted: when
 * {@code OPENBLAS_NUM_THREADS} is not 1, OpenBLAS parallelises each call itself and {@link Gemm} does not split work
 * across Java threads on top of it (no oversubscription).
 */
public final class Blas {
  private static final Logger LOG = Logger.getLogger(Blas.class.getName());

  /** Which implementation serves GEMM. */
  public enum Backend {
    NATIVE_OPENBLAS,
    JAVA
  }

  private static final List<String> OPENBLAS_CANDIDATES =
      List.of(
          "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
          "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
          "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
          "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
          "/usr/lib64/libopenblas.so.0",
          "/usr/lib/libopenblas.so.0",
          "/usr/local/lib/libopenblas.so.0",
          "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
          "/usr/local/opt/openblas/lib/libopenblas.dylib");

  private static final BLAS INSTANCE;
  private static final Backend BACKEND;
  private static final String DESCRIPTION;
  private static final boolean OWN_THREADS;

  static {
    String mode = System.getProperty("rnn4j.blas", System.getenv().getOrDefault("RNN4J_BLAS", "auto"));
    BLAS chosen = null;
    String why;
    if (!mode.equals("java")) {
      String lib = findOpenBlas();
      if (lib != null) {
        if (System.getProperty("dev.ludovic.netlib.blas.nativeLibPath") == null) {
          System.setProperty("dev.ludovic.netlib.blas.nativeLibPath", lib);
        }
        try {
          chosen = NativeBLAS.getInstance();
          why = "native OpenBLAS (" + System.getProperty("dev.ludovic.netlib.blas.nativeLibPath") + ")";
        } catch (Throwable t) {
          why = "OpenBLAS at " + lib + " failed to load (" + t + ")";
        }
      } else {
        why = "no OpenBLAS library found";
      }
      if (chosen == null && mode.equals("native")) {
        throw new IllegalStateException("rnn4j.blas=native was requested but " + why);
      }
    } else {
      why = "rnn4j.blas=java";
    }
    Backend backend = Backend.NATIVE_OPENBLAS;
    if (chosen == null) {
      System.setProperty("dev.ludovic.netlib.blas.allowNative", "false");
      chosen = JavaBLAS.getInstance();
      backend = Backend.JAVA;
      why = "pure Java " + chosen.getClass().getSimpleName() + " (" + why + ")";
    }
    INSTANCE = chosen;
    BACKEND = backend;
    String obThreads = System.getenv("OPENBLAS_NUM_THREADS");
    OWN_THREADS = backend == Backend.NATIVE_OPENBLAS && !"1".equals(obThreads);
    DESCRIPTION = why;
    LOG.fine(() -> "rnn4j GEMM: " + DESCRIPTION);
  }

  private Blas() {}

  private static String findOpenBlas() {
    String explicit = System.getProperty("rnn4j.openblas");
    if (explicit != null) {
      return Files.isReadable(Path.of(explicit)) ? explicit : null;
    }
    for (String c : OPENBLAS_CANDIDATES) {
      if (Files.isReadable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  /** The chosen netlib instance. */
  public static BLAS instance() {
    return INSTANCE;
  }

  public static Backend backend() {
    return BACKEND;
  }

  /** A human-readable account of the choice, e.g. for {@code rnn4j bench}. */
  public static String description() {
    return DESCRIPTION;
  }

  /** True when OpenBLAS runs its own thread pool, so Java must not split GEMMs on top of it. */
  public static boolean blasOwnsThreads() {
    return OWN_THREADS;
  }
}
