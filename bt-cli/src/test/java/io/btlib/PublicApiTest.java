package io.btlib;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.bencode.BValue;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.PieceMap;
import io.btlib.tracker.HttpTrackerResponses;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public surface of every library module stays deliberate: no public or protected signature in
 * an exported package names a type from an {@code internal} package, and exported packages are
 * documented.
 */
class PublicApiTest {
  /** One class from each library module; the scan covers each one's whole jar or classes dir. */
  static final List<Class<?>> ANCHORS =
      List.of(BValue.class, Metainfo.class, PieceMap.class, HttpTrackerResponses.class,
          io.btlib.testkit.Simulation.class);

  static List<Class<?>> exportedClasses(Class<?> anchor) throws IOException, URISyntaxException {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    if (Files.isRegularFile(location)) { // a jar, when the reactor resolved the packaged module
      try (FileSystem jar = FileSystems.newFileSystem(location)) {
        scan(jar.getPath("/"), anchor, out);
      }
    } else {
      scan(location, anchor, out);
    }
    assertThat(out).as("classes found beside %s", anchor).isNotEmpty();
    return out;
  }

  static void scan(Path root, Class<?> anchor, List<Class<?>> out) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        if (rel.startsWith("/")) {
          rel = rel.substring(1);
        }
        if (!rel.endsWith(".class") || rel.contains("/internal/") || rel.endsWith("package-info.class")
            || rel.endsWith("module-info.class")) {
          continue;
        }
        String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
        try {
          out.add(Class.forName(name, false, anchor.getClassLoader()));
        } catch (ClassNotFoundException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  static boolean isVisible(int mods) {
    return Modifier.isPublic(mods) || Modifier.isProtected(mods);
  }

  static boolean isPublicApi(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  static void collect(Type t, List<String> names) {
    if (t instanceof Class<?>) {
      Class<?> c = (Class<?>) t;
      while (c.isArray()) {
        c = c.getComponentType();
      }
      names.add(c.getName());
    } else if (t instanceof ParameterizedType) {
      collect(((ParameterizedType) t).getRawType(), names);
      for (Type a : ((ParameterizedType) t).getActualTypeArguments()) {
        collect(a, names);
      }
    } else if (t instanceof GenericArrayType) {
      collect(((GenericArrayType) t).getGenericComponentType(), names);
    } else if (t instanceof WildcardType) {
      for (Type b : ((WildcardType) t).getUpperBounds()) {
        collect(b, names);
      }
      for (Type b : ((WildcardType) t).getLowerBounds()) {
        collect(b, names);
      }
    }
  }

  static List<String> leaks(Class<?> c) {
    List<String> problems = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (c.getGenericSuperclass() != null) {
      collect(c.getGenericSuperclass(), names);
    }
    for (Type i : c.getGenericInterfaces()) {
      collect(i, names);
    }
    check(c.getName() + " (supertypes)", names, problems);
    for (Method m : c.getDeclaredMethods()) {
      if (!isVisible(m.getModifiers()) || m.isSynthetic()) {
        continue;
      }
      names.clear();
      collect(m.getGenericReturnType(), names);
      for (Type p : m.getGenericParameterTypes()) {
        collect(p, names);
      }
      for (Type e : m.getGenericExceptionTypes()) {
        collect(e, names);
      }
      check(c.getName() + "." + m.getName(), names, problems);
    }
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (!isVisible(k.getModifiers())) {
        continue;
      }
      names.clear();
      for (Type p : k.getGenericParameterTypes()) {
        collect(p, names);
      }
      check(c.getName() + ".<init>", names, problems);
    }
    for (Field f : c.getDeclaredFields()) {
      if (!isVisible(f.getModifiers())) {
        continue;
      }
      names.clear();
      collect(f.getGenericType(), names);
      check(c.getName() + "." + f.getName(), names, problems);
    }
    if (c.isRecord()) {
      for (RecordComponent rc : c.getRecordComponents()) {
        names.clear();
        collect(rc.getGenericType(), names);
        check(c.getName() + "." + rc.getName(), names, problems);
      }
    }
    return problems;
  }

  static void check(String where, List<String> names, List<String> problems) {
    for (String n : names) {
      if (n.contains(".internal.")) {
        problems.add(where + " names internal type " + n);
      }
    }
  }

  @Test
  void publicSignaturesNameNoInternalType() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Class<?> anchor : ANCHORS) {
      for (Class<?> c : exportedClasses(anchor)) {
        if (isPublicApi(c)) {
          problems.addAll(leaks(c));
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyExportedPackageHasAPackageInfo() throws Exception {
    for (Class<?> anchor : ANCHORS) {
      for (Class<?> c : exportedClasses(anchor)) {
        if (isPublicApi(c)) {
          assertThat(anchor.getClassLoader().getResource(
              c.getPackageName().replace('.', '/') + "/package-info.class"))
              .as("package-info for %s", c.getPackageName()).isNotNull();
        }
      }
    }
  }
}
