package dev.squall.engine.graph;

import dev.squall.tasks.Out;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.List;

/**
 * The static kernel method behind a {@link Kernel} method reference, with which of its parameters are
 * outputs ({@link Out}). Recovered from the reference's {@link SerializedLambda}, the same way TornadoVM
 * finds a task's kernel from its lambda.
 *
 * @param method     the kernel method
 * @param parameters the parameters before {@code (rowOffset, rowCount)}
 */
public record KernelMethod(Method method, List<Param> parameters) {

    /**
     * One kernel parameter.
     *
     * @param name   its name in source (kernels are compiled with {@code -parameters})
     * @param type   its type
     * @param output whether it is marked {@link Out}
     */
    public record Param(String name, Class<?> type, boolean output) {
    }

    /** Resolves and checks the kernel behind {@code kernel}. */
    public static KernelMethod of(Kernel kernel) {
        SerializedLambda lambda = serialized(kernel);
        if (lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic
                || lambda.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("a kernel must be a method reference to a public static kernel method "
                    + "(e.g. Norms::layerNorm), not " + lambda.getImplMethodName());
        }
        Method method = find(kernel.getClass().getClassLoader(), lambda);
        Parameter[] all = method.getParameters();
        int n = all.length;
        if (method.getReturnType() != void.class || !Modifier.isPublic(method.getModifiers()) || n < 2
                || all[n - 2].getType() != int.class || all[n - 1].getType() != int.class) {
            throw new IllegalArgumentException("kernel " + label(method)
                    + " must be public static void and end with (int rowOffset, int rowCount)");
        }
        List<Param> params = Arrays.stream(all, 0, n - 2)
                .map(p -> new Param(p.getName(), p.getType(), p.isAnnotationPresent(Out.class)))
                .toList();
        return new KernelMethod(method, params);
    }

    /** {@code Class.method}, e.g. {@code Norms.layerNorm}. */
    public String label() {
        return label(method);
    }

    private static String label(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }

    private static SerializedLambda serialized(Kernel kernel) {
        try {
            Method writeReplace = kernel.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            return (SerializedLambda) writeReplace.invoke(kernel);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("a kernel must be a method reference such as Norms::layerNorm, got "
                    + kernel.getClass().getName(), e);
        }
    }

    private static Method find(ClassLoader loader, SerializedLambda lambda) {
        try {
            Class<?> owner = Class.forName(lambda.getImplClass().replace('/', '.'), false, loader);
            for (Method m : owner.getDeclaredMethods()) {
                if (m.getName().equals(lambda.getImplMethodName())
                        && descriptor(m).equals(lambda.getImplMethodSignature())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("kernel method not found: " + lambda.getImplMethodName());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("kernel class not found: " + lambda.getImplClass(), e);
        }
    }

    private static String descriptor(Method m) {
        return java.lang.invoke.MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
    }
}
