package dev.squall.engine.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named graph of tasks, in the spirit of TornadoVM's {@code TaskGraph}: transfers that bring arrays to
 * the device (once, or on every execution), tasks that each run one kernel over a parallel range, and
 * transfers back to the host. Arrays can also stay on the device between graphs of one plan
 * ({@link #persistOnDevice} then {@link #consumeFromDevice} in a later graph).
 *
 * <p>Tasks run in the order they are added, which must be a dependency order: a plan checks that every
 * array a task reads (an argument not marked {@code @Out}) was transferred in, consumed, or written by an
 * earlier task of the same graph.
 *
 * <pre>{@code
 * TaskGraph g = new TaskGraph("norm")
 *     .transferToDevice(DataTransferMode.FIRST_EXECUTION, gamma, beta)
 *     .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
 *     .task("ln", rows, Norms::layerNorm, x, gamma, beta, y, cols, 1e-5f)
 *     .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
 * }</pre>
 */
public final class TaskGraph {
    /** Direction of a declared transfer. */
    public enum Direction { TO_DEVICE, TO_HOST }

    /**
     * A declared transfer.
     *
     * @param direction to the device or back to the host
     * @param mode      when it happens
     * @param array     the array moved
     */
    public record Transfer(Direction direction, DataTransferMode mode, Object array) {
    }

    private final String name;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Transfer> transfers = new ArrayList<>();
    private final Set<Object> persisted = identitySet();
    private final Set<Object> consumed = identitySet();
    private final Map<Object, String> labels = new IdentityHashMap<>();

    /** Creates an empty graph called {@code name}. */
    public TaskGraph(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("graph name must not be blank");
        }
        this.name = name;
    }

    /** The graph's name. */
    public String name() {
        return name;
    }

    /** The tasks in execution order. */
    public List<Task> tasks() {
        return Collections.unmodifiableList(tasks);
    }

    /** The declared transfers, in declaration order. */
    public List<Transfer> transfers() {
        return Collections.unmodifiableList(transfers);
    }

    /** Arrays this graph leaves on the device for later graphs. */
    public Set<Object> persisted() {
        return Collections.unmodifiableSet(persisted);
    }

    /** Arrays this graph takes from the device, left there by an earlier graph. */
    public Set<Object> consumed() {
        return Collections.unmodifiableSet(consumed);
    }

    /** Declares arrays copied to the device before the tasks run ({@code FIRST_EXECUTION} or {@code EVERY_EXECUTION}). */
    public TaskGraph transferToDevice(DataTransferMode mode, Object... arrays) {
        if (mode == DataTransferMode.UNDER_DEMAND) {
            throw new IllegalArgumentException("transferToDevice takes FIRST_EXECUTION or EVERY_EXECUTION");
        }
        return transfer(Direction.TO_DEVICE, mode, arrays);
    }

    /** Declares arrays copied back to the host after the tasks ran. */
    public TaskGraph transferToHost(DataTransferMode mode, Object... arrays) {
        return transfer(Direction.TO_HOST, mode, arrays);
    }

    /** Keeps arrays on the device after this graph so that a later graph of the same plan can consume them. */
    public TaskGraph persistOnDevice(Object... arrays) {
        java.util.Arrays.stream(arrays).map(TaskGraph::checkArray).forEach(persisted::add);
        return this;
    }

    /** Uses arrays that an earlier graph of the same plan persisted on the device, without a transfer. */
    public TaskGraph consumeFromDevice(Object... arrays) {
        java.util.Arrays.stream(arrays).map(TaskGraph::checkArray).forEach(consumed::add);
        return this;
    }

    /**
     * Says what arrays hold, for the memory report ({@link GraphMemory#breakdown}): e.g. {@code gradients}, or
     * {@code saved/qkv} for an activation a training forward keeps for its backward. Labels change nothing in how
     * a graph runs; an array keeps the label it was given last.
     */
    public TaskGraph label(String label, Object... arrays) {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("graph '" + name + "': label must not be blank");
        }
        java.util.Arrays.stream(arrays).map(TaskGraph::checkArray).forEach(a -> labels.put(a, label));
        return this;
    }

    /** The labelled arrays and their labels. */
    public Map<Object, String> labels() {
        return Collections.unmodifiableMap(labels);
    }

    /** Adds a task running a 1-argument kernel over {@code rows} parallel rows. */
    public <A> TaskGraph task(String name, int rows, Kernel.K1<A> kernel, A a) {
        return add(name, rows, kernel, a);
    }

    /** Adds a task running a 2-argument kernel over {@code rows} parallel rows. */
    public <A, B> TaskGraph task(String name, int rows, Kernel.K2<A, B> kernel, A a, B b) {
        return add(name, rows, kernel, a, b);
    }

    /** Adds a task running a 3-argument kernel over {@code rows} parallel rows. */
    public <A, B, C> TaskGraph task(String name, int rows, Kernel.K3<A, B, C> kernel, A a, B b, C c) {
        return add(name, rows, kernel, a, b, c);
    }

    /** Adds a task running a 4-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D> TaskGraph task(String name, int rows, Kernel.K4<A, B, C, D> kernel, A a, B b, C c, D d) {
        return add(name, rows, kernel, a, b, c, d);
    }

    /** Adds a task running a 5-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E> TaskGraph task(String name, int rows, Kernel.K5<A, B, C, D, E> kernel, A a, B b, C c, D d, E e) {
        return add(name, rows, kernel, a, b, c, d, e);
    }

    /** Adds a task running a 6-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F> TaskGraph task(String name, int rows, Kernel.K6<A, B, C, D, E, F> kernel, A a, B b, C c, D d, E e, F f) {
        return add(name, rows, kernel, a, b, c, d, e, f);
    }

    /** Adds a task running a 7-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G> TaskGraph task(String name, int rows, Kernel.K7<A, B, C, D, E, F, G> kernel, A a, B b, C c, D d, E e, F f, G g) {
        return add(name, rows, kernel, a, b, c, d, e, f, g);
    }

    /** Adds a task running a 8-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H> TaskGraph task(String name, int rows, Kernel.K8<A, B, C, D, E, F, G, H> kernel, A a, B b, C c, D d, E e, F f, G g, H h) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h);
    }

    /** Adds a task running a 9-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I> TaskGraph task(String name, int rows, Kernel.K9<A, B, C, D, E, F, G, H, I> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i);
    }

    /** Adds a task running a 10-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J> TaskGraph task(String name, int rows, Kernel.K10<A, B, C, D, E, F, G, H, I, J> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j);
    }

    /** Adds a task running a 11-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K> TaskGraph task(String name, int rows, Kernel.K11<A, B, C, D, E, F, G, H, I, J, K> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k);
    }

    /** Adds a task running a 12-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L> TaskGraph task(String name, int rows, Kernel.K12<A, B, C, D, E, F, G, H, I, J, K, L> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l);
    }

    /** Adds a task running a 13-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M> TaskGraph task(String name, int rows, Kernel.K13<A, B, C, D, E, F, G, H, I, J, K, L, M> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m);
    }

    /** Adds a task running a 14-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N> TaskGraph task(String name, int rows, Kernel.K14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n);
    }

    /** Adds a task running a 15-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> TaskGraph task(String name, int rows, Kernel.K15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o);
    }

    /** Adds a task running a 16-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P> TaskGraph task(String name, int rows, Kernel.K16<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
    }

    /** Adds a task running a 17-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q> TaskGraph task(String name, int rows, Kernel.K17<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p, Q q) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q);
    }

    /** Adds a task running a 18-argument kernel over {@code rows} parallel rows. */
    public <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R> TaskGraph task(String name, int rows, Kernel.K18<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R> kernel, A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o, P p, Q q, R r) {
        return add(name, rows, kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r);
    }

    private TaskGraph add(String taskName, int rows, Kernel kernel, Object... args) {
        if (taskName == null || taskName.isBlank()) {
            throw new IllegalArgumentException("graph '" + name + "': task name must not be blank");
        }
        if (tasks.stream().anyMatch(t -> t.name().equals(taskName))) {
            throw new IllegalArgumentException("graph '" + name + "': duplicate task name '" + taskName + "'");
        }
        if (rows < 0) {
            throw new IllegalArgumentException("graph '" + name + "' task '" + taskName + "': rows must be >= 0, got " + rows);
        }
        KernelMethod method = KernelMethod.of(kernel);
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                throw new IllegalArgumentException("graph '" + name + "' task '" + taskName + "': argument '"
                        + method.parameters().get(i).name() + "' of " + method.label() + " is null");
            }
        }
        tasks.add(new Task(taskName, rows, kernel, method, List.of(args)));
        return this;
    }

    /** Adds a task of another graph, with the same kernel and arguments (used to rearrange graphs). */
    TaskGraph add(Task task) {
        return add(task.name(), task.rows(), task.kernel(), task.args().toArray());
    }

    /** Declares transfers; an array already transferred in the same direction is not declared twice. */
    private TaskGraph transfer(Direction direction, DataTransferMode mode, Object... arrays) {
        for (Object a : arrays) {
            checkArray(a);
            if (transfers.stream().noneMatch(t -> t.direction() == direction && t.array() == a)) {
                transfers.add(new Transfer(direction, mode, a));
            }
        }
        return this;
    }

    private static Object checkArray(Object a) {
        if (a == null || !a.getClass().isArray() || !a.getClass().getComponentType().isPrimitive()) {
            throw new IllegalArgumentException("only primitive arrays can be transferred, got " + a);
        }
        return a;
    }

    static Set<Object> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }
}
