package dev.squall.benchmarks.pipeline;

import dev.squall.benchmarks.suite.PipelineBench;
import java.util.Arrays;

/**
 * Runs {@link PipelineBench} and prints its table as Markdown. Arguments (all optional): {@code stages
 * microBatches(comma list) layersPerStage width rows rounds}; defaults {@code 2 1,2,4,8 2 512 64 7}; {@code gpt}:
 * GPT training stages ({@link PipelineBench#gpt()}).
 */
public final class PipelineBubble {
    private PipelineBubble() {}

    /** Prints a Markdown table on standard output, progress on standard error. */
    public static void main(String[] args) {
        PipelineBench bench = args.length == 0 ? PipelineBench.defaults()
                : args[0].equals("gpt") ? PipelineBench.gpt()
                : new PipelineBench(Integer.parseInt(args[0]),
                        args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                                : new int[] {1, 2, 4, 8},
                        args.length > 2 ? Integer.parseInt(args[2]) : 2, args.length > 3 ? Integer.parseInt(args[3])
                                : 512, args.length > 4 ? Integer.parseInt(args[4]) : 64,
                        args.length > 5 ? Integer.parseInt(args[5]) : 7);
        bench.run(null, line -> System.err.println("bench: " + line));
        System.out.print(bench.markdown());
    }
}
