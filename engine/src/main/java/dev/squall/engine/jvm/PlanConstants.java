package dev.squall.engine.jvm;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The constant arrays of a JVM plan, and the copies fast paths derive from them once per plan. A plan's
 * constants are the arrays its graphs transfer {@code FIRST_EXECUTION} (weights) and none of its tasks writes.
 * A fast path may keep a copy of one in a layout it prefers (the GEMM fast path packs a weight matrix into the
 * panels its micro-kernel reads): made on first use, kept as long as the plan, never refreshed. This is what a
 * device backend does with such arrays (it copies them to the device once); after changing a constant array in
 * place, build a new plan.
 */
public final class PlanConstants {
    private static final ThreadLocal<PlanConstants> CURRENT = new ThreadLocal<>();

    private final Set<Object> arrays;
    private final ConcurrentHashMap<Derivation, Object> derived = new ConcurrentHashMap<>();

    PlanConstants(Set<Object> arrays) {
        Set<Object> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(arrays);
        this.arrays = s;
    }

    /** Runs {@code body} with these constants visible to {@link #derived} on this thread. */
    void within(Runnable body) {
        PlanConstants outer = CURRENT.get();
        CURRENT.set(this);
        try {
            body.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * The copy of {@code array} that {@code make} derives, for {@code kind} (which says what the copy is: layout,
     * shape), made once per plan and shared by its threads; {@code null} when no plan runs on this thread or
     * {@code array} is not one of its constants (then the caller works on the array itself).
     */
    @SuppressWarnings("unchecked")
    public static <T> T derived(Object array, Object kind, Supplier<T> make) {
        PlanConstants plan = CURRENT.get();
        if (plan == null || !plan.arrays.contains(array)) {
            return null;
        }
        return (T) plan.derived.computeIfAbsent(new Derivation(array, kind), d -> make.get());
    }

    /** A copy's key: the array by identity, and what was derived. */
    private record Derivation(Object array, Object kind) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Derivation d && d.array == array && d.kind.equals(kind);
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(array) + kind.hashCode();
        }
    }
}
