package dev.squall.engine.graph;

/** Sizes of the primitive arrays that tasks take. */
public final class ArraySizes {
    private ArraySizes() {
    }

    /** Bytes held by a primitive array, or 0 for anything else. */
    public static long bytes(Object array) {
        return switch (array) {
            case float[] a -> 4L * a.length;
            case int[] a -> 4L * a.length;
            case short[] a -> 2L * a.length;
            case byte[] a -> a.length;
            case long[] a -> 8L * a.length;
            case double[] a -> 8L * a.length;
            default -> 0L;
        };
    }

    /** {@code float[1024]}-style description for messages. */
    public static String describe(Object array) {
        return array.getClass().getComponentType().getName() + "[" + java.lang.reflect.Array.getLength(array) + "]";
    }
}
