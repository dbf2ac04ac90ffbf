package dev.squall.tasks.rules;

import dev.squall.tasks.rules.KernelRules.Rule;

/**
 * A broken kernel rule: the kernel, the method where it happens (the kernel or a helper it reaches),
 * the rule and what breaks it, e.g. {@code NEW java/lang/StringBuilder at line 42}.
 */
public record Violation(String kernel, String method, Rule rule, String detail) {
    /** {@code Gemm.matmul: NEW java/lang/StringBuilder at line 42 (rule: no allocation)}. */
    @Override
    public String toString() {
        String where = method.equals(kernel) ? kernel : kernel + " via " + method;
        return where + ": " + detail + " (rule: " + rule.description() + ")";
    }
}
