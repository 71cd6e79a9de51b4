package dev.rnn4j.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * rnn4j-core's module descriptor: it exports the API packages and nothing else, and the exported API never makes a
 * caller name a type of an unexported package (a public method returning a kernel type, say, would compile on the
 * class path and be unusable on the module path).
 */
// The same classes as LayeringTest, so ArchUnit imports them once for both.
@AnalyzeClasses(packages = "dev.rnn4j", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleApiTest {
  private static final String ROOT = "dev.rnn4j";

  private static ModuleDescriptor coreDescriptor() throws IOException {
    for (URL u : Collections.list(Tensor.class.getClassLoader().getResources("module-info.class"))) {
      try (InputStream in = u.openStream()) {
        ModuleDescriptor d = ModuleDescriptor.read(in);
        if (d.name().equals("dev.rnn4j.core")) {
          return d;
        }
      }
    }
    throw new AssertionError("expected dev.rnn4j.core's module-info.class on the class path, found none");
  }

  private static Set<String> exported(ModuleDescriptor d) {
    return d.exports().stream()
        .filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @ArchTest
  static void internalsAreNotExported(JavaClasses ignored) throws IOException {
    Set<String> exported = exported(coreDescriptor());
    for (String internal : List.of("dev.rnn4j.tensor.kernel", "dev.rnn4j.tensor.gemm", "dev.rnn4j.tensor.spi",
        "dev.rnn4j.autograd.op", "dev.rnn4j.util")) {
      assertTrue(!exported.contains(internal), internal + " is exported: " + exported);
    }
    assertTrue(exported.contains("dev.rnn4j.tensor") && exported.contains("dev.rnn4j.nn.rnn"), exported.toString());
  }

  /** Each exported package says what it is for and where to start (the test runs in rnn4j-core's directory). */
  @ArchTest
  static void everyExportedPackageHasAPackageInfo(JavaClasses ignored) throws IOException {
    List<String> without = new ArrayList<>();
    for (String pkg : exported(coreDescriptor())) {
      Path info = Path.of("src", "main", "java").resolve(pkg.replace('.', '/')).resolve("package-info.java");
      if (!Files.isRegularFile(info)) {
        without.add(pkg);
      }
    }
    assertEquals(List.of(), without, "exported packages without a package-info.java");
  }

  @ArchTest
  static void exportedApiNamesNoUnexportedType(JavaClasses classes) throws IOException {
    Set<String> exported = exported(coreDescriptor());
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : classes) {
      if (!exported.contains(c.getPackageName()) || !visible(c.getModifiers())
          || (c.getEnclosingClass().isPresent() && !visible(c.getEnclosingClass().get().getModifiers()))) {
        continue;
      }
      c.getRawSuperclass().ifPresent(s -> check(exported, c.getName() + " extends", s, leaks));
      c.getRawInterfaces().forEach(i -> check(exported, c.getName() + " implements", i, leaks));
      for (JavaCodeUnit m : c.getCodeUnits()) {
        if (!visible(m.getModifiers()) || m.getModifiers().contains(JavaModifier.SYNTHETIC)) {
          continue;
        }
        check(exported, m.getFullName() + " returns", m.getRawReturnType(), leaks);
        m.getRawParameterTypes().forEach(p -> check(exported, m.getFullName() + " takes", p, leaks));
      }
      for (JavaField f : c.getFields()) {
        if (visible(f.getModifiers())) {
          check(exported, f.getFullName() + " has type", f.getRawType(), leaks);
        }
      }
    }
    assertEquals(List.of(), leaks, "exported API naming types of unexported packages");
  }

  private static boolean visible(Set<JavaModifier> m) {
    return m.contains(JavaModifier.PUBLIC) || m.contains(JavaModifier.PROTECTED);
  }

  private static void check(Set<String> exported, String where, JavaClass type, List<String> leaks) {
    JavaClass t = type.isArray() ? type.getBaseComponentType() : type;
    String pkg = t.getPackageName();
    if (pkg.startsWith(ROOT) && !exported.contains(pkg)) {
      leaks.add(where + " " + t.getName());
    }
  }
}
