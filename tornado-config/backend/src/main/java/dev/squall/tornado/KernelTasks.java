package dev.squall.tornado;

import dev.squall.engine.graph.Task;
import uk.ac.manchester.tornado.api.TaskGraph;

import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a Squall task into a TornadoVM task. TornadoVM finds the code of a task by reading the bytecode of
 * the {@code apply} method of the {@code TaskN} object it is given and taking its first
 * {@code invokestatic}. A Squall task holds a {@code Kernel.Kn} method reference, which is not a
 * {@code TaskN}; so each kernel gets a {@code TaskN} built by {@link LambdaMetafactory} from a handle on
 * the kernel method, exactly what javac emits for {@code Norms::rmsNorm}: its {@code apply} casts (and
 * unboxes) the arguments and {@code invokestatic}s the kernel. The task then gets the kernel's arguments
 * with the parallel range {@code (0, rows)}: TornadoVM only parallelises loops that start at 0, and it
 * bakes scalar arguments into the kernel as constants.
 */
final class KernelTasks {
    /** TornadoVM's largest {@code TaskN}. */
    private static final int MAX_PARAMETERS = 20;
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final Map<Method, Object> LAMBDAS = new ConcurrentHashMap<>();

    private KernelTasks() {
    }

    /** Adds {@code task} to {@code graph} as task {@code id}, over rows {@code (0, task.rows())}. */
    static void add(TaskGraph graph, String id, Task task) {
        Method kernel = task.method().method();
        List<Object> args = new ArrayList<>(task.args());
        args.add(0);
        args.add(task.rows());
        Object[] call = new Object[args.size() + 2];
        call[0] = id;
        call[1] = lambda(kernel);
        System.arraycopy(args.toArray(), 0, call, 2, args.size());
        try {
            taskMethod(args.size()).invoke(graph, call);
        } catch (InvocationTargetException e) {
            throw rethrow(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("TaskGraph.task is not accessible", e);
        }
    }

    /** The {@code TaskN} instance that calls {@code kernel}, one per kernel. */
    static Object lambda(Method kernel) {
        return LAMBDAS.computeIfAbsent(kernel, KernelTasks::metafactory);
    }

    private static Object metafactory(Method kernel) {
        int n = kernel.getParameterCount();
        try {
            MethodHandle impl = LOOKUP.unreflect(kernel);
            MethodType erased = MethodType.genericMethodType(n).changeReturnType(void.class);
            MethodType instantiated = impl.type().wrap().changeReturnType(void.class);
            CallSite site = LambdaMetafactory.metafactory(LOOKUP, "apply", MethodType.methodType(taskInterface(n)),
                    erased, impl, instantiated);
            return site.getTarget().invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("cannot build a TornadoVM task for " + kernel, e);
        }
    }

    /** {@code TaskGraph.task(String, TaskN, Object × n)}. */
    private static Method taskMethod(int n) {
        Class<?>[] types = new Class<?>[n + 2];
        types[0] = String.class;
        types[1] = taskInterface(n);
        Arrays.fill(types, 2, types.length, Object.class);
        try {
            return TaskGraph.class.getMethod("task", types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("this TornadoVM has no TaskGraph.task for " + n + " parameters", e);
        }
    }

    private static Class<?> taskInterface(int n) {
        if (n > MAX_PARAMETERS) {
            throw new IllegalArgumentException("TornadoVM tasks take at most " + MAX_PARAMETERS + " parameters, got " + n);
        }
        try {
            return Class.forName("uk.ac.manchester.tornado.api.common.TornadoFunctions$Task" + n, false,
                    TaskGraph.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this TornadoVM has no TornadoFunctions.Task" + n, e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(t);
    }
}
