package dev.squall.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StageBalanceTest {

    @Test
    void equalLayersSplitEvenlyAndATiePutsTheExtraLayerFirst() {
        assertArrayEquals(new int[] {2, 2}, StageBalance.byParameters(new long[] {5, 5, 5, 5}, 2));
        assertArrayEquals(new int[] {2, 1}, StageBalance.byParameters(new long[] {5, 5, 5}, 2));
        assertArrayEquals(new int[] {1, 1, 1}, StageBalance.byParameters(new long[] {5, 5, 5}, 3));
    }

    @Test
    void heavyEndsGetStagesOfTheirOwn() {
        // GPT-like: embeddings first, four equal blocks, the head and loss last.
        long[] params = {900, 200, 200, 200, 200, 100};
        assertArrayEquals(new int[] {1, 5}, StageBalance.byParameters(params, 2));
        assertArrayEquals(new int[] {1, 2, 3}, StageBalance.byParameters(params, 3));
    }

    @Test
    void matchesBruteForceOnRandomLayers() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(9);
            int p = 1 + random.nextInt(n);
            long[] params = new long[n];
            for (int i = 0; i < n; i++) {
                params[i] = random.nextInt(100);
            }
            int[] sizes = StageBalance.byParameters(params, p);
            assertEquals(p, sizes.length);
            assertEquals(n, java.util.Arrays.stream(sizes).sum());
            assertTrue(java.util.Arrays.stream(sizes).allMatch(x -> x >= 1));
            assertEquals(bruteForce(params, p, 0), maxStage(params, sizes));
        }
    }

    private static long maxStage(long[] params, int[] sizes) {
        long max = 0;
        int at = 0;
        for (int size : sizes) {
            long sum = 0;
            for (int i = 0; i < size; i++) {
                sum += params[at++];
            }
            max = Math.max(max, sum);
        }
        return max;
    }

    private static long bruteForce(long[] params, int stages, int from) {
        if (stages == 1) {
            long sum = 0;
            for (int i = from; i < params.length; i++) {
                sum += params[i];
            }
            return sum;
        }
        long best = Long.MAX_VALUE;
        long head = 0;
        for (int end = from + 1; end <= params.length - stages + 1; end++) {
            head += params[end - 1];
            best = Math.min(best, Math.max(head, bruteForce(params, stages - 1, end)));
        }
        return best;
    }

    @Test
    void parsesStageLayersAndNamesTheFlagOnBadInput() {
        assertArrayEquals(new int[] {2, 2}, StageBalance.parse("2,2", 2, 4));
        assertArrayEquals(new int[] {0, 2, 3}, StageBalance.starts(new int[] {2, 1, 4}));
        for (String bad : new String[] {"2,2,1", "2", "2,x", "0,4", "3,2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StageBalance.parse(bad, 2, 4));
            assertTrue(e.getMessage().startsWith("--stage-layers"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> StageBalance.byParameters(new long[] {1, 2}, 3));
    }
}
