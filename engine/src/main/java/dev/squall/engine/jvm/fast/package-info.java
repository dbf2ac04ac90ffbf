/**
 * CPU fast paths of the JVM backend (Java Vector API), laid out as the kernels are: the fast path of kernel class
 * {@code dev.squall.tasks.<family>.X} is {@code dev.squall.engine.jvm.fast.<family>.XVector} (a backward sibling
 * {@code XBackward} gets {@code XBackwardVector}), a {@link dev.squall.engine.jvm.FastPath} annotated
 * {@link dev.squall.engine.jvm.FastPathFor} and listed in {@code META-INF/services/dev.squall.engine.jvm.FastPath};
 * each of its public static methods replaces the kernel with the same name and parameters. The machinery they
 * share lives in {@code driver} (the packed fp32 GEMM and the row-decoding GEMMs of compressed weights),
 * {@code lanes} (fixed-width lanes, widening of packed weights, dot products) and {@code math} (exponential and
 * lane sums with fixed bits, activation and softmax rows). {@code FastPathRegistryTest} checks the layout and the
 * registration; every fast path is tested against its plain kernel.
 */
package dev.squall.engine.jvm.fast;
