package dev.squall.engine.jvm;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class of CPU fast paths for the kernels of {@link #value()}: each of its public static methods
 * replaces, on the JVM backend, the kernel with the same name and parameter types. The standard ones are
 * {@link FastPath}s, listed in {@code META-INF/services} and named after their kernel class
 * ({@code tasks/<family>/X} → {@code engine/jvm/fast/<family>/XVector}). A fast path must
 * compute what its plain kernel computes, within the kernel's stated tolerance (tests check each against
 * its plain kernel); it is free of TornadoVM's rules.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface FastPathFor {
    /** The kernel class whose kernels this class replaces. */
    Class<?> value();

    /** Implementation name shown in profiles, e.g. {@code vector}. */
    String label() default "vector";
}
