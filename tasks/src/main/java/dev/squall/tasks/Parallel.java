package dev.squall.tasks;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a data-parallel loop variable in a kernel: {@code for (@Parallel int r = 0; r < rowCount; r++)}.
 *
 * <p>The annotation is kept in the class file as a type annotation on the local variable, which is how
 * TornadoVM finds parallel loops; TornadoVM honours this class when
 * {@code -Dtornado.load.annotation.parallel=dev.squall.tasks.Parallel} names it, so kernels need no
 * TornadoVM dependency. The JVM backend splits the outermost such loop across its threads through the
 * kernel's {@code (rowOffset, rowCount)} parameters.
 */
@Target({ElementType.LOCAL_VARIABLE, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
public @interface Parallel {
}
