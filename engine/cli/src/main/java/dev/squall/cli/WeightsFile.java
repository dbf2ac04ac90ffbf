package dev.squall.cli;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Reading a block's weights (fp32, fp16 or compressed by {@code squall quantize}) for the CLI. */
final class WeightsFile {
    private WeightsFile() {
    }

    /**
     * The block of the state dict in {@code file} (the argument called {@code name}); with {@code format}, its
     * fp32 or fp16 linear weights converted to that format. Converting weights that are already compressed
     * would compound two roundings, so that is an error.
     */
    static CompressedBlock read(String name, Path file, String format) {
        try {
            return of(name + " (" + file + ")", Npz.read(file), format);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " (" + file + "): " + IoErrors.reason(file, e), e);
        }
    }

    /** {@link #read} of a state dict already read; {@code name} says where it comes from. */
    static CompressedBlock of(String name, Map<String, NdArray> dict, String format) {
        CompressedBlock block;
        try {
            block = CompressedBlock.read(dict);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        if (format == null) {
            return block;
        }
        if (block.compressed() && !block.format().equals("fp16")) {
            throw new IllegalArgumentException(name + " is already compressed (" + block.format()
                    + "); --weights converts fp32 or fp16 weights only: run without --weights, or quantize the fp32"
                    + " weights");
        }
        try {
            return CompressedBlock.of(block.reference(), WeightFormats.parse(format));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--weights: " + e.getMessage(), e);
        }
    }
}
