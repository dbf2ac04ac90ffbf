package dev.squall.cluster;

/** Marker of every message that crosses nodes; {@link PipelineSerializer} writes them (never Java serialisation). */
public interface PipelineMessage {}
