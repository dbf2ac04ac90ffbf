package dev.squall.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress lines: every {@code every} steps, at evaluations and at the last step; the time left. */
class TrainProgressLinesTest {
    @Test
    void linesAtTheIntervalEvaluationsAndTheEnd() {
        StringWriter text = new StringWriter();
        TrainProgress p = new TrainProgressLines(new PrintWriter(text), 4, Duration.ofHours(1));
        for (int k = 0; k < 10; k++) {
            p.step(new LossLog.Row(k, 2.5 - k * 0.1, 1e-3, 0.5, 12345.4, k == 4 ? 2.25 : Double.NaN), 10);
        }
        p.notice("checkpoint at step 8 written to out");
        List<String> lines = text.toString().lines().map(l -> l.replaceAll(", \\d+s left$", ", Ns left")).toList();
        assertEquals(List.of(
                "train: step 4/10 loss 2.2000 lr 1.00e-03 12345 tokens/s, Ns left",
                "train: step 5/10 loss 2.1000 val 2.2500 lr 1.00e-03 12345 tokens/s, Ns left",
                "train: step 8/10 loss 1.8000 lr 1.00e-03 12345 tokens/s, Ns left",
                "train: step 10/10 loss 1.6000 lr 1.00e-03 12345 tokens/s",
                "train: checkpoint at step 8 written to out"), lines);
        assertEquals("1h02m", TrainProgressLines.duration(3725));
        assertEquals("3m05s", TrainProgressLines.duration(185));
        assertEquals("12s", TrainProgressLines.duration(12.4));
    }
}
