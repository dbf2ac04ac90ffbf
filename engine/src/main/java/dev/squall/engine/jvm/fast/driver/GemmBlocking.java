package dev.squall.engine.jvm.fast.driver;

/**
 * The micro-kernel and the cache blocks of {@link BlockedGemm} (see there for the loops), derived from the cache
 * sizes by {@link #of}. On Zen 5 (1 MiB L2) that gives kc=512, mc=512, nc=128; one core, B packed in advance,
 * 512×768·768×3072: 169–188 GFLOP/s against 160–181 with B's block at half of L2 (nc=256, mc=256) and 164–173
 * with a taller one (mc=128, nc=512).
 *
 * @param kernel  the micro-kernel
 * @param kc      depth per block: an {@code MR × kc} micro-panel of A fills at most half of L1
 * @param mc      rows per block (a multiple of {@code MR}): the {@code mc × nc} block of C fills a quarter of L2
 * @param nc      columns per block (a multiple of {@code NR}): a {@code kc × nc} block of B fills a quarter of L2
 * @param caches  the cache sizes it was derived from
 */
public record GemmBlocking(MicroKernel kernel, int kc, int mc, int nc, CacheSizes caches) {
    /** Smallest depth block: fused attention multiplies 128-key tiles in one block. */
    public static final int MIN_KC = 128;
    /** Largest depth block. */
    public static final int MAX_KC = 512;

    /** Checks the sizes. */
    public GemmBlocking {
        if (kc < MIN_KC || kc > MAX_KC || mc < kernel.rows() || mc % kernel.rows() != 0 || nc < kernel.columns()
                || nc % kernel.columns() != 0) {
            throw new IllegalArgumentException("bad GEMM blocking kc=" + kc + " mc=" + mc + " nc=" + nc + " for "
                    + kernel.describe());
        }
    }

    /** The blocking for {@code kernel} on caches of these sizes (see the parameters). */
    public static GemmBlocking of(MicroKernel kernel, CacheSizes caches) {
        int nr = kernel.columns();
        int mr = kernel.rows();
        int kc = clamp((int) (caches.l1() / 2 / ((long) mr * Float.BYTES)) / 64 * 64, MIN_KC, MAX_KC);
        int nc = clamp((int) (caches.l2() / 4 / ((long) kc * Float.BYTES)) / nr * nr, nr, 4096 / nr * nr);
        int mc = clamp((int) (caches.l2() / 4 / ((long) nc * Float.BYTES)) / mr * mr, mr, 1024 / mr * mr);
        return new GemmBlocking(kernel, kc, mc, nc, caches);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** E.g. {@code 8×32 (8 rows × 2 vectors of 512 bits), kc=512 mc=256 nc=256}. */
    public String describe() {
        return kernel.describe() + ", kc=" + kc + " mc=" + mc + " nc=" + nc;
    }
}
