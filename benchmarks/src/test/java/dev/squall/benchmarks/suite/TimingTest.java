package dev.squall.benchmarks.suite;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warm-up rule, on given run times, and the run counts of {@link Timing}. */
class TimingTest {
    @Test
    void aContenderIsSettledWhenItsLastRunsNoLongerBeatItsBestEarlierRun() {
        // times of the JIT warming up: big steps, then noise (slower spells only)
        double[] t = {900, 120, 70, 50, 41, 40, 40.5, 55, 39.8, 41, 60, 40.2, 40.1};
        assertFalse(Timing.settled(t, 5), "needs more than the window");
        assertFalse(Timing.settled(t, 6), "50 -> 40: still improving");
        assertFalse(Timing.settled(t, 8), "the best before the last 5 is 70 or 50");
        assertTrue(Timing.settled(t, 10), "best 41 before, 39.8 since: within 5 %");
        assertTrue(Timing.settled(t, 13));
        assertFalse(Timing.settled(t, 9), "best 50 before the last 5, 39.8 since");
        double[] late = {50, 40, 40, 40, 40, 40, 40, 40, 40, 40, 30, 30};
        assertTrue(Timing.settled(late, 10));
        assertFalse(Timing.settled(late, 11), "a 25 % step after a plateau unsettles it");
    }

    @Test
    void fixedWarmupRunsExactlyThatManyAndConvergenceStaysWithinItsBounds() {
        List<String> steps = new ArrayList<>();
        int[] count = {0, 0};
        List<Runnable> runs = List.of(() -> count[0]++, () -> count[1]++);
        Timing.Result fixed = new Timing(3, 4).interleaved(runs, c -> "c" + c, steps::add);
        assertEquals(7, count[0]);
        assertEquals(7, count[1]);
        assertEquals("3/3", fixed.warmupText(new Timing(3, 4)));
        assertEquals(List.of("c0 warm-up 1", "c1 warm-up 1"), steps.subList(0, 2));
        assertEquals("c1 run 4/4", steps.get(steps.size() - 1));

        count[0] = 0;
        count[1] = 0;
        Timing converging = new Timing(2, 12, 3);
        Timing.Result r = converging.interleaved(runs, c -> "c" + c, Progress.NONE);
        for (int c = 0; c < 2; c++) {
            int warm = count[c] - 3;
            assertTrue(warm >= Timing.WINDOW + 1 && warm <= 12, "warm-up runs " + warm);
            assertEquals(warm, r.warmupRuns()[c]);
            assertEquals(r.settled()[c] ? Integer.toString(warm) : warm + "*", r.warmupText(c, converging));
        }
    }

    @Test
    void progressFractionsGrowToOne() {
        List<Double> fractions = new ArrayList<>();
        Progress p = new Progress() {
            @Override
            public void step(String detail) {
            }

            @Override
            public void step(String detail, double fraction) {
                fractions.add(fraction);
            }
        };
        new Timing(4, 3).interleaved(List.of(() -> { }, () -> { }), c -> "", p);
        assertEquals(14, fractions.size());
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) > fractions.get(i - 1), fractions.toString());
        }
        assertEquals(13 / 14.0, fractions.get(13), 1e-12);
    }

    @Test
    void badCountsNameTheOption() {
        assertEquals("--warmup-max must be >= --warmup, got 3 and 5",
                assertThrows(IllegalArgumentException.class, () -> new Timing(5, 3, 1)).getMessage());
        assertEquals("--warmup must be >= 0 and --reps >= 1, got 0 and 0",
                assertThrows(IllegalArgumentException.class, () -> new Timing(0, 0)).getMessage());
    }
}
