package io.btlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every library module's public API is written down in {@code <module>/api/<module name>.api}, and
 * the build fails when the compiled API differs from it: a change to the public API is always a
 * visible, deliberate diff in review (the checked-in signature file, as okhttp keeps one). After an
 * intended change, run the test with {@code -Dbt.api.update=true} to rewrite the files, and commit
 * them with the change.
 *
 * <p>It also checks each jar's module descriptor: the module exports (to everyone) exactly its
 * non-{@code internal} packages.
 */
class ApiSignatureTest {
  static final boolean UPDATE = Boolean.getBoolean("bt.api.update");

  @Test
  void publicApiMatchesTheCheckedInSignatureFiles() throws Exception {
    List<String> stale = new ArrayList<>();
    for (Class<?> anchor : PublicApiTest.ANCHORS) {
      Path location = location(anchor);
      String module = descriptor(location).name();
      Path file = moduleDir(location).resolve("api").resolve(module + ".api");
      List<String> actual = signatures(anchor);
      if (UPDATE) {
        Files.createDirectories(file.getParent());
        Files.write(file, actual, StandardCharsets.UTF_8);
        continue;
      }
      List<String> expected = Files.exists(file)
          ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
      if (!expected.equals(actual)) {
        stale.add(file + " differs from the compiled API of " + module + ":\n"
            + diff(expected, actual));
      }
    }
    assertThat(stale)
        .as("public API changed; if intended, rerun with -Dbt.api.update=true and commit the .api"
            + " files")
        .isEmpty();
  }

  @Test
  void eachModuleExportsExactlyItsApiPackages() throws Exception {
    for (Class<?> anchor : PublicApiTest.ANCHORS) {
      ModuleDescriptor d = descriptor(location(anchor));
      Set<String> unqualified = d.exports().stream().filter(e -> !e.isQualified())
          .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
      Set<String> api = d.packages().stream().filter(p -> !p.contains(".internal")
          && !p.endsWith(".internal")).collect(Collectors.toCollection(TreeSet::new));
      assertThat(unqualified).as("packages %s exports to everyone", d.name()).isEqualTo(api);
      assertThat(d.isAutomatic()).isFalse();
      assertThat(d.name()).startsWith("io.btlib.");
    }
  }

  static Path location(Class<?> anchor) throws URISyntaxException {
    return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** {@code <module>/target/classes} or {@code <module>/target/<artifact>.jar}: the module dir. */
  static Path moduleDir(Path location) {
    return location.toAbsolutePath().getParent().getParent();
  }

  static ModuleDescriptor descriptor(Path location) {
    Set<ModuleReference> refs = ModuleFinder.of(location).findAll();
    assertThat(refs).as("one module at %s", location).hasSize(1);
    return refs.iterator().next().descriptor();
  }

  /** The API of one module as sorted lines: each type, then its members indented. */
  static List<String> signatures(Class<?> anchor) throws IOException, URISyntaxException {
    List<Class<?>> types = new ArrayList<>();
    for (Class<?> c : PublicApiTest.exportedClasses(anchor)) {
      if (PublicApiTest.isPublicApi(c)) {
        types.add(c);
      }
    }
    types.sort((a, b) -> a.getName().compareTo(b.getName()));
    List<String> out = new ArrayList<>();
    for (Class<?> c : types) {
      out.add(header(c));
      Set<String> members = new TreeSet<>();
      for (Field f : c.getDeclaredFields()) {
        if (PublicApiTest.isVisible(f.getModifiers()) && !f.isSynthetic()) {
          members.add(field(f));
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (PublicApiTest.isVisible(k.getModifiers()) && !k.isSynthetic()) {
          members.add(modifiers(k.getModifiers(), false) + typeParams(k.getTypeParameters())
              + simple(c) + params(k));
        }
      }
      for (Method m : c.getDeclaredMethods()) {
        if (PublicApiTest.isVisible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
          members.add(modifiers(m.getModifiers(), c.isInterface())
              + (m.isDefault() ? "default " : "") + typeParams(m.getTypeParameters())
              + name(m.getGenericReturnType()) + " " + m.getName() + params(m));
        }
      }
      for (String m : members) {
        out.add("  " + m);
      }
    }
    return out;
  }

  static String header(Class<?> c) {
    String kind = c.isAnnotation() ? "@interface" : c.isEnum() ? "enum" : c.isRecord() ? "record"
        : c.isInterface() ? "interface" : "class";
    int mods = c.getModifiers();
    if (c.isInterface() || c.isEnum() || c.isRecord()) {
      mods &= ~(Modifier.ABSTRACT | Modifier.FINAL | Modifier.STATIC);
    }
    StringBuilder s = new StringBuilder(modifiers(mods, false));
    if (c.isSealed()) {
      s.append("sealed ");
    }
    s.append(kind).append(' ').append(c.getName().replace('$', '.'))
        .append(typeParams(c.getTypeParameters()).trim());
    Type sup = c.getGenericSuperclass();
    if (sup != null && sup != Object.class && !c.isEnum() && !c.isRecord()) {
      s.append(" extends ").append(name(sup));
    }
    Type[] ifaces = c.getGenericInterfaces();
    if (ifaces.length > 0) {
      s.append(c.isInterface() ? " extends " : " implements ").append(
          Arrays.stream(ifaces).map(ApiSignatureTest::name).collect(Collectors.joining(", ")));
    }
    if (c.isSealed()) {
      s.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses())
          .map(Class::getName).sorted().collect(Collectors.joining(", ")));
    }
    return s.toString();
  }

  static String field(Field f) {
    String s = modifiers(f.getModifiers(), false) + name(f.getGenericType()) + " " + f.getName();
    int m = f.getModifiers();
    if (Modifier.isStatic(m) && Modifier.isFinal(m)
        && (f.getType().isPrimitive() || f.getType() == String.class)) {
      try {
        Object v = f.get(null); // a compile-time constant is inlined by callers: part of the API
        s += " = " + (v instanceof String ? '"' + (String) v + '"' : v);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return s;
  }

  static String modifiers(int mods, boolean inInterface) {
    int keep = Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL
        | Modifier.ABSTRACT;
    if (inInterface) {
      keep &= ~Modifier.ABSTRACT; // every non-default, non-static interface method is abstract
    }
    String s = Modifier.toString(mods & keep);
    return s.isEmpty() ? "" : s + " ";
  }

  static String typeParams(TypeVariable<?>[] vars) {
    if (vars.length == 0) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (TypeVariable<?> v : vars) {
      List<String> bounds = Arrays.stream(v.getBounds()).filter(b -> b != Object.class)
          .map(ApiSignatureTest::name).collect(Collectors.toList());
      parts.add(bounds.isEmpty() ? v.getName()
          : v.getName() + " extends " + String.join(" & ", bounds));
    }
    return "<" + String.join(", ", parts) + "> ";
  }

  static String params(Executable e) {
    String p = Arrays.stream(e.getGenericParameterTypes()).map(ApiSignatureTest::name)
        .collect(Collectors.joining(", "));
    if (e.isVarArgs() && p.endsWith("[]")) {
      p = p.substring(0, p.length() - 2) + "...";
    }
    String s = "(" + p + ")";
    Type[] thrown = e.getGenericExceptionTypes();
    if (thrown.length > 0) {
      s += " throws " + Arrays.stream(thrown).map(ApiSignatureTest::name).sorted()
          .collect(Collectors.joining(", "));
    }
    return s;
  }

  static String name(Type t) {
    return t.getTypeName().replace('$', '.');
  }

  static String simple(Class<?> c) {
    return c.getSimpleName();
  }

  /**
   * Lines only in {@code expected} as "- ", only in {@code actual} as "+ "; a member is shown with
   * the type it belongs to.
   */
  static String diff(List<String> expected, List<String> actual) {
    List<String> e = qualified(expected);
    List<String> a = qualified(actual);
    Set<String> eSet = new LinkedHashSet<>(e);
    Set<String> aSet = new LinkedHashSet<>(a);
    StringBuilder s = new StringBuilder();
    for (String line : e) {
      if (!aSet.contains(line)) {
        s.append("  - ").append(line).append('\n');
      }
    }
    for (String line : a) {
      if (!eSet.contains(line)) {
        s.append("  + ").append(line).append('\n');
      }
    }
    return s.length() == 0 ? "  (same lines, another order)\n" : s.toString();
  }

  static List<String> qualified(List<String> lines) {
    List<String> out = new ArrayList<>();
    String type = "";
    for (String line : lines) {
      if (line.startsWith("  ")) {
        out.add(type + " { " + line.trim() + " }");
      } else {
        type = line;
        out.add(line);
      }
    }
    return out;
  }
}
