package dev.squall.cluster;

import dev.squall.engine.pipeline.PipelineStage;

/**
 * Makes the stage a node holds. {@code squall lm train} gives one for GPT blocks; tests give toy stages. A
 * factory class named on the command line needs a public no-argument constructor.
 */
public interface StageFactory {

    /**
     * Stage {@code stage} of {@code stages}; {@code stageLayers} is the {@code --stage-layers} split, or
     * {@code null} to balance by parameter count; a split that does not cover the model is an
     * {@code IllegalArgumentException} naming {@code --stage-layers} ({@code StageBalance.check}).
     */
    PipelineStage create(int stage, int stages, int[] stageLayers);
}
