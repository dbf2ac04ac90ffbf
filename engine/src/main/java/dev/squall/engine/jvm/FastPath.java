package dev.squall.engine.jvm;

/**
 * A class of CPU fast paths, found with {@link java.util.ServiceLoader}: each is listed in
 * {@code META-INF/services/dev.squall.engine.jvm.FastPath} and annotated {@link FastPathFor}. Only the class is
 * read (its static methods replace kernels); it is never instantiated, but {@code ServiceLoader} requires a
 * public no-argument constructor. {@code FastPathRegistryTest} fails when a fast-path class is missing from the
 * list or a listed one replaces no kernel.
 */
public interface FastPath {
}
