package io.btlib.http.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class that uses JVM APIs Android lacks and that bt loads only when the user asks for
 * that JVM-only feature. The build's Android API check (animal-sniffer, see the parent pom)
 * skips classes carrying it; nothing on the default path may reference them.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface JvmOnly {}
