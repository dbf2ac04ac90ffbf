package dev.squall.engine.graph;

import java.io.Serializable;

/**
 * A kernel bound into a task: a method reference to a {@code public static void} kernel of the
 * {@code tasks} module whose last two parameters are {@code (int rowOffset, int rowCount)}, e.g.
 * {@code Norms::layerNorm}. The interfaces are {@link Serializable} so that the graph can recover the
 * referenced method (for validation, profiles, fast-path lookup and device backends); a lambda that is
 * not a plain method reference is rejected. {@code Kn} takes {@code n} arguments before the row range, up to
 * {@value #MAX_ARGUMENTS}: with the row range, the 20 parameters of TornadoVM's largest task ({@code Task20}).
 */
public sealed interface Kernel extends Serializable
        permits Kernel.K1, Kernel.K2, Kernel.K3, Kernel.K4, Kernel.K5, Kernel.K6, Kernel.K7, Kernel.K8, Kernel.K9,
        Kernel.K10, Kernel.K11, Kernel.K12, Kernel.K13, Kernel.K14, Kernel.K15, Kernel.K16, Kernel.K17, Kernel.K18 {
    /** The most arguments a kernel takes before {@code (rowOffset, rowCount)}. */
    int MAX_ARGUMENTS = 18;

    /** A kernel taking 1 argument before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K1<A> extends Kernel {
        void apply(A a, int rowOffset, int rowCount);
    }

    /** A kernel taking 2 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K2<A, B> extends Kernel {
        void apply(A a, B b, int rowOffset, int rowCount);
    }

    /** A kernel taking 3 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K3<A, B, C> extends Kernel {
        void apply(A a, B b, C c, int rowOffset, int rowCount);
    }

    /** A kernel taking 4 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K4<A, B, C, D> extends Kernel {
        void apply(A a, B b, C c, D d, int rowOffset, int rowCount);
    }

    /** A kernel taking 5 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K5<A, B, C, D, E> extends Kernel {
        void apply(A a, B b, C c, D d, E e, int rowOffset, int rowCount);
    }

    /** A kernel taking 6 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K6<A, B, C, D, E, F> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, int rowOffset, int rowCount);
    }

    /** A kernel taking 7 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K7<A, B, C, D, E, F, G> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, int rowOffset, int rowCount);
    }

    /** A kernel taking 8 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K8<A, B, C, D, E, F, G, H> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, int rowOffset, int rowCount);
    }

    /** A kernel taking 9 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K9<A, B, C, D, E, F, G, H, I> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, int rowOffset, int rowCount);
    }

    /** A kernel taking 10 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K10<A, B, C, D, E, F, G, H, I, J> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, int rowOffset, int rowCount);
    }

    /** A kernel taking 11 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K11<A, B, C, D, E, F, G, H, I, J, K> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, int rowOffset, int rowCount);
    }

    /** A kernel taking 12 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K12<A, B, C, D, E, F, G, H, I, J, K, L> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, int rowOffset, int rowCount);
    }

    /** A kernel taking 13 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K13<A, B, C, D, E, F, G, H, I, J, K, L, M> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, int rowOffset, int rowCount);
    }

    /** A kernel taking 14 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, int rowOffset, int rowCount);
    }

    /** A kernel taking 15 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, int rowOffset, int rowCount);
    }

    /** A kernel taking 16 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K16<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p, int rowOffset, int rowCount);
    }

    /** A kernel taking 17 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K17<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p, Q q, int rowOffset, int rowCount);
    }

    /** A kernel taking 18 arguments before {@code (rowOffset, rowCount)}. */
    @FunctionalInterface
    non-sealed interface K18<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R> extends Kernel {
        void apply(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p, Q q, R r, int rowOffset, int rowCount);
    }
}
