package dev.squall.tasks;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a kernel's output array. Over all its rows a kernel writes every element of each {@code @Out}
 * array that its shape parameters cover (a device backend copies an output back whole), and it never
 * reads an element it did not write first. Unmarked array parameters are read-only inputs.
 *
 * <p>Task graphs use this to check data flow (every input is produced earlier or transferred in) and
 * to count the bytes each task reads and writes.
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface Out {
}
