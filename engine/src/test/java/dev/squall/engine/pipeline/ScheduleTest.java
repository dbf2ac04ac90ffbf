package dev.squall.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void everyStageRunsEachPassOnceForwardsAndBackwardsInOrder() {
        for (Schedule schedule : Schedule.values()) {
            for (int p = 1; p <= 5; p++) {
                for (int m = 1; m <= 9; m++) {
                    for (int s = 0; s < p; s++) {
                        List<StageOp> ops = schedule.ops(s, p, m);
                        assertEquals(2 * m, ops.size());
                        int nextF = 0;
                        int nextB = 0;
                        for (StageOp op : ops) {
                            if (op.kind() == StageOp.Kind.FORWARD) {
                                assertEquals(nextF++, op.microBatch(), schedule + " " + ops);
                            } else {
                                assertEquals(nextB++, op.microBatch(), schedule + " " + ops);
                                assertTrue(nextB <= nextF, "backward before its forward: " + ops);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void inFlightMicroBatchesAreAtMostPMinusSUnder1f1bAndMUnderGpipe() {
        for (int p = 1; p <= 5; p++) {
            for (int m = 1; m <= 9; m++) {
                for (int s = 0; s < p; s++) {
                    assertEquals(Math.min(p - s, m), Schedule.peakInFlight(Schedule.ONE_F_ONE_B.ops(s, p, m)));
                    assertEquals(m, Schedule.peakInFlight(Schedule.GPIPE.ops(s, p, m)));
                }
            }
        }
    }

    @Test
    void knownSequences() {
        assertEquals("[F0, F1, F2, F3, B0, B1, B2, B3]", Schedule.GPIPE.ops(1, 2, 4).toString());
        assertEquals("[F0, F1, F2, B0, F3, B1, B2, B3]", Schedule.ONE_F_ONE_B.ops(0, 3, 4).toString());
        assertEquals("[F0, F1, B0, F2, B1, F3, B2, B3]", Schedule.ONE_F_ONE_B.ops(1, 3, 4).toString());
        assertEquals("[F0, B0, F1, B1, F2, B2, F3, B3]", Schedule.ONE_F_ONE_B.ops(2, 3, 4).toString());
    }

    /** Runs all stages' sequences against their data dependencies: every schedule finishes (no deadlock). */
    @Test
    void schedulesNeverDeadlockAndTakeMPlusPMinusOneSlotsWhenForwardEqualsBackward() {
        for (Schedule schedule : Schedule.values()) {
            for (int p = 1; p <= 5; p++) {
                for (int m = 1; m <= 9; m++) {
                    int ticks = simulate(schedule, p, m);
                    // in unit time per pass, the critical path is 2·(M + P − 1) slots for both schedules.
                    assertEquals(2 * (m + p - 1), ticks, schedule + " P=" + p + " M=" + m);
                }
            }
        }
    }

    /** Time slots a synchronous pipeline needs when every pass takes one slot; fails on a deadlock. */
    private static int simulate(Schedule schedule, int p, int m) {
        List<List<StageOp>> ops = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            ops.add(schedule.ops(s, p, m));
        }
        int[] next = new int[p];
        boolean[][] fDone = new boolean[p][m];
        boolean[][] bDone = new boolean[p][m];
        int ticks = 0;
        int remaining = 2 * p * m;
        while (remaining > 0) {
            List<int[]> fire = new ArrayList<>();
            for (int s = 0; s < p; s++) {
                if (next[s] == ops.get(s).size()) {
                    continue;
                }
                StageOp op = ops.get(s).get(next[s]);
                boolean ready = op.kind() == StageOp.Kind.FORWARD
                        ? s == 0 || fDone[s - 1][op.microBatch()]
                        : s == p - 1 || bDone[s + 1][op.microBatch()];
                if (ready) {
                    fire.add(new int[] {s, op.kind().ordinal(), op.microBatch()});
                }
            }
            assertTrue(!fire.isEmpty(), "deadlock: " + schedule + " P=" + p + " M=" + m);
            for (int[] f : fire) {
                (f[1] == 0 ? fDone : bDone)[f[0]][f[2]] = true;
                next[f[0]]++;
                remaining--;
            }
            ticks++;
        }
        return ticks;
    }

    @Test
    void parsesFlagsAndRejectsOthers() {
        assertEquals(Schedule.GPIPE, Schedule.parse("gpipe"));
        assertEquals(Schedule.ONE_F_ONE_B, Schedule.parse("1F1B"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("zb"));
        assertTrue(e.getMessage().contains("--schedule"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.GPIPE.ops(2, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Schedule.GPIPE.ops(0, 2, 0));
    }

    @Test
    void theoreticalBubble() {
        assertEquals(0.5, Schedule.theoreticalBubble(2, 1));
        assertEquals(1 / 9.0, Schedule.theoreticalBubble(2, 8), 1e-15);
        assertEquals(0.0, Schedule.theoreticalBubble(1, 4));
    }
}
