package dev.rnn4j.tensor.gemm;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.rnn4j.runtime.RuntimeSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Chooses the BLAS behind {@link Gemm}, once, at first use, from {@link RuntimeSettings#current()}, and logs the
 * choice at FINE.
 *
 * <ul>
 *   <li>Native OpenBLAS, when the machine has it (Debian: {@code libopenblas0-pthread}) and the backend is not
 *       {@code java}. netlib is pointed at the OpenBLAS library file itself, never at whatever {@code libblas.so.3}
 *       resolves to, which may be the slow reference BLAS.
 *   <li>Otherwise netlib's pure-Java BLAS (its Vector API implementation when {@code jdk.incubator.vector} is
 *       loaded).
 * </ul>
 *
 * <p>NOTE [netlib without JVM-wide properties]: netlib's own chooser ({@code BLAS.getInstance()}) reads the system
 * properties {@code dev.ludovic.netlib.blas.allowNative} and {@code nativeLibPath} and logs at INFO. rnn4j does not go
 * through it and does not leave either property set: it creates netlib's implementation classes directly. The JNI
 * binding of netlib 3.2 takes the library path only from {@code dev.ludovic.netlib.blas.nativeLibPath}, read once,
 * while its class initialises; rnn4j sets it for that moment (unless the user has set it) and restores it right
 * after. What remains shared with other netlib users in the JVM: netlib's native binding is one per JVM, so whichever
 * code loads it first decides its library (rnn4j's OpenBLAS if rnn4j came first).
 *
 * <p>OpenBLAS's own threads are counted: when {@code OPENBLAS_NUM_THREADS} is not 1, OpenBLAS parallelises each call
 * itself and {@link Gemm} does not split work across Java threads on top of it (no oversubscription).
 */
public final class Blas {
  private static final Logger LOG = Logger.getLogger(Blas.class.getName());

  /** Which implementation serves GEMM. */
  public enum Backend {
    NATIVE_OPENBLAS,
    JAVA
  }

  private static final String NATIVE_LIB_PATH = "dev.ludovic.netlib.blas.nativeLibPath";

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
    RuntimeSettings settings = RuntimeSettings.current();
    RuntimeSettings.Backend mode = settings.backend();
    BLAS chosen = null;
    String why;
    if (mode != RuntimeSettings.Backend.JAVA) {
      String lib = findOpenBlas(settings.openblasPath());
      if (lib != null) {
        try {
          chosen = loadNative(lib);
          why = "native OpenBLAS (" + lib + ")";
        } catch (Throwable t) {
          why = "OpenBLAS at " + lib + " failed to load (" + t + ")";
        }
      } else {
        why = settings.openblasPath() != null ? "rnn4j.openblas=" + settings.openblasPath() + " is not readable"
            : "no OpenBLAS library found";
      }
      if (chosen == null && mode == RuntimeSettings.Backend.NATIVE) {
        throw new IllegalStateException("rnn4j.blas=native was requested but " + why);
      }
    } else {
      why = "rnn4j.blas=java";
    }
    Backend backend = Backend.NATIVE_OPENBLAS;
    if (chosen == null) {
      chosen = loadJava();
      backend = Backend.JAVA;
      why = "pure Java " + chosen.getClass().getSimpleName() + " (" + why + ")";
    }
    INSTANCE = chosen;
    BACKEND = backend;
    OWN_THREADS = backend == Backend.NATIVE_OPENBLAS && settings.openblasThreadsItself();
    DESCRIPTION = why;
    LOG.fine(() -> "rnn4j GEMM: " + DESCRIPTION);
  }

  /** netlib's JNI binding on {@code lib} (NOTE [netlib without JVM-wide properties]). */
  private static BLAS loadNative(String lib) throws ReflectiveOperationException {
    synchronized (System.getProperties()) {
      String before = System.getProperty(NATIVE_LIB_PATH);
      if (before == null) {
        System.setProperty(NATIVE_LIB_PATH, lib);
      }
      try {
        return instance("dev.ludovic.netlib.blas.JNIBLAS");
      } finally {
        if (before == null) {
          System.clearProperty(NATIVE_LIB_PATH);
        }
      }
    }
  }

  /** netlib's fastest pure-Java BLAS for this JVM, without its chooser (which would also try native code). */
  private static BLAS loadJava() {
    List<String> candidates = RuntimeSettings.vectorApiLoaded()
        ? List.of("dev.ludovic.netlib.blas.VectorBLAS", "dev.ludovic.netlib.blas.Java11BLAS")
        : List.of("dev.ludovic.netlib.blas.Java11BLAS");
    for (String c : candidates) {
      try {
        return instance(c);
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        LOG.fine(() -> "netlib " + c + " unavailable: " + e);
      }
    }
    return JavaBLAS.getInstance();
  }

  /** {@code getInstance()} of a netlib implementation class (package-private in netlib, hence reflection). */
  private static BLAS instance(String className) throws ReflectiveOperationException {
    Method m = Class.forName(className, true, Blas.class.getClassLoader()).getMethod("getInstance");
    m.setAccessible(true);
    try {
      return (BLAS) m.invoke(null);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error er) {
        throw er;
      }
      throw e;
    }
  }

  private Blas() {}

  private static String findOpenBlas(String explicit) {
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
