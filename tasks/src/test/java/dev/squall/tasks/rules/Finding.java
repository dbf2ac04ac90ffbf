package dev.squall.tasks.rules;

import dev.squall.tasks.rules.KernelRules.Rule;

/** A rule broken inside one method, before it is attributed to the kernels that reach that method. */
record Finding(Rule rule, String detail) {
}
