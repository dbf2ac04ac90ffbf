package dev.squall.benchmarks.peer;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A peer GEMM to measure Squall against: netlib's BLAS facade ({@code dev.ludovic.netlib:blas}), either
 * {@link #system()} (JNIBLAS on the system's {@code libblas.so.3}, e.g. OpenBLAS, when it loads; else the
 * facade silently falls back to its Java implementations) or {@link #java()} (the pure-Java VectorBLAS).
 * {@link #implementation()} says which one actually runs, so a report never passes VectorBLAS off as OpenBLAS.
 */
public final class BlasPeer {
    private static final List<String> LIBBLAS = List.of("/usr/lib/x86_64-linux-gnu/libblas.so.3",
            "/usr/lib/aarch64-linux-gnu/libblas.so.3", "/usr/lib64/libblas.so.3", "/usr/lib/libblas.so.3");

    private final BLAS blas;

    private BlasPeer(BLAS blas) {
        this.blas = blas;
    }

    /** The system BLAS through JNI when it loads (JNIBLAS), else netlib's best Java fallback. */
    public static BlasPeer system() {
        return new BlasPeer(BLAS.getInstance());
    }

    /** netlib's pure-Java BLAS: VectorBLAS where the Vector API module is present. */
    public static BlasPeer java() {
        return new BlasPeer(JavaBLAS.getInstance());
    }

    /** The netlib class that runs: {@code JNIBLAS}, {@code VectorBLAS}, {@code Java11BLAS} or {@code F2jBLAS}. */
    public String implementation() {
        return blas.getClass().getSimpleName();
    }

    /** Whether this is native code (JNIBLAS). */
    public boolean isNative() {
        return implementation().equals("JNIBLAS");
    }

    /**
     * A name for tables: {@code OpenBLAS} (or the system library found) for JNIBLAS, the class name
     * otherwise, e.g. {@code VectorBLAS}.
     */
    public String name() {
        return isNative() ? systemLibrary() : implementation();
    }

    /**
     * One line on what runs and with how many threads: OpenBLAS reads {@code OPENBLAS_NUM_THREADS} when it
     * loads (default: all cores); netlib's Java BLAS runs on the calling thread only.
     */
    public String describe() {
        if (!isNative()) {
            return implementation() + " (netlib " + implementation() + ", single-threaded)";
        }
        String env = System.getenv("OPENBLAS_NUM_THREADS");
        return systemLibrary() + " (netlib JNIBLAS on " + libraryPath() + ", " + (env == null
                ? "OPENBLAS_NUM_THREADS unset: all " + Runtime.getRuntime().availableProcessors() + " cores"
                : "OPENBLAS_NUM_THREADS=" + env) + ")";
    }

    /**
     * A warning when the environment overrides OpenBLAS's choice of kernels: {@code OPENBLAS_CORETYPE} (e.g.
     * {@code Haswell}, which forces its AVX2 kernels on an AVX-512 machine) or {@code OPENBLAS_L2_SIZE}; empty
     * when neither is set or no native BLAS runs.
     */
    public Optional<String> environmentWarning() {
        return environmentWarning(isNative(), System.getenv("OPENBLAS_CORETYPE"), System.getenv("OPENBLAS_L2_SIZE"));
    }

    static Optional<String> environmentWarning(boolean nativeBlas, String coreType, String l2Size) {
        if (!nativeBlas || (coreType == null && l2Size == null)) {
            return Optional.empty();
        }
        String set = (coreType == null ? "" : "OPENBLAS_CORETYPE=" + coreType)
                + (coreType != null && l2Size != null ? " and " : "") + (l2Size == null ? "" : "OPENBLAS_L2_SIZE=" + l2Size);
        return Optional.of(set + " set in the environment: OpenBLAS runs " + (coreType == null ? "with that cache size"
                : "its " + coreType + " kernels") + ", not necessarily the ones it would pick for this CPU (to measure "
                + "those: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./squall bench --suite gemm)");
    }

    /** Row-major {@code C[m,n] = A[m,k]·B[k,n]} (column-major BLAS computes {@code Cᵀ = Bᵀ·Aᵀ}). */
    public void sgemm(int m, int n, int k, float[] a, float[] b, float[] c) {
        blas.sgemm("N", "N", n, m, k, 1f, b, n, a, k, 0f, c, n);
    }

    private static String systemLibrary() {
        String path = libraryPath().toLowerCase(Locale.ROOT);
        for (String lib : List.of("OpenBLAS", "BLIS", "ATLAS", "MKL")) {
            if (path.contains(lib.toLowerCase(Locale.ROOT))) {
                return lib;
            }
        }
        return "system BLAS";
    }

    private static String libraryPath() {
        for (String candidate : LIBBLAS) {
            Path p = Path.of(candidate);
            if (Files.exists(p)) {
                try {
                    return p.toRealPath().toString();
                } catch (IOException e) {
                    return candidate;
                }
            }
        }
        return "libblas.so.3";
    }
}
