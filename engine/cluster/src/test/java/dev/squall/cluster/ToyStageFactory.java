package dev.squall.cluster;

import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.StageBalance;
import dev.squall.engine.pipeline.ToyMlp;
import java.util.Arrays;

/** The toy stages of the engine's pipeline tests, wide enough that a boundary tensor spans several chunks. */
public final class ToyStageFactory implements StageFactory {
    /** Four layers of width 32 on 300 rows (38,400 bytes per boundary tensor), gradients clipped to norm 0.05. */
    public static final ToyMlp MODEL = new ToyMlp(32, 4, 300, 7, 0.05f, 0.05f);

    @Override
    public PipelineStage create(int stage, int stages, int[] stageLayers) {
        int[] sizes = stageLayers != null ? StageBalance.check(stageLayers, MODEL.layers()) : split(stages);
        return MODEL.stage(StageBalance.starts(sizes)[stage], sizes[stage]);
    }

    /** The split by parameter count (every layer has as many). */
    public static int[] split(int stages) {
        long[] params = new long[MODEL.layers()];
        Arrays.fill(params, MODEL.width() * (MODEL.width() + 1L));
        return StageBalance.byParameters(params, stages);
    }
}
