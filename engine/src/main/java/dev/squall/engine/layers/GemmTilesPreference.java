package dev.squall.engine.layers;

import dev.squall.engine.graph.Backend;

/**
 * Implemented by a backend whose device runs the tiled GEMM best with other tiles than
 * {@link GemmTiles#DEFAULT} (a GPU wants many narrow bands, a CPU few cache-sized ones), typically taken
 * from its configuration. Layers are built for one backend, so whoever builds them asks it.
 */
public interface GemmTilesPreference {
    /** The tiles for this backend's device. */
    GemmTiles gemmTiles();

    /** The tiles {@code backend} prefers, or {@link GemmTiles#DEFAULT}. */
    static GemmTiles of(Backend backend) {
        return backend instanceof GemmTilesPreference p ? p.gemmTiles() : GemmTiles.DEFAULT;
    }
}
