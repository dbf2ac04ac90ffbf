package dev.squall.cli.train;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.IoErrors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows of {@code loss.csv}: one per step, in step order, with the header {@value #HEADER}. {@code loss} is
 * the loss of the step's batch before its update, {@code lr} the learning rate of the update, {@code grad_norm}
 * the gradient norm before clipping, {@code val_loss} the validation loss after the update (empty where not
 * evaluated). Numbers are written in Java's shortest round-trip form, so rows kept by {@code --resume} are the
 * same text.
 */
public final class LossLog {
    /** The CSV header. */
    public static final String HEADER = "step,loss,lr,grad_norm,tokens_per_s,val_loss";

    /**
     * One row.
     *
     * @param valLoss NaN where not evaluated
     */
    public record Row(int step, double loss, double lr, double gradNorm, double tokensPerSecond, double valLoss) {
        /** The CSV line. */
        String csv() {
            return step + "," + loss + "," + lr + "," + gradNorm + ","
                    + String.format(Locale.ROOT, "%.1f", tokensPerSecond) + "," + (Double.isNaN(valLoss) ? "" : valLoss);
        }

        static Row parse(String line, String source) {
            String[] f = line.split(",", -1);
            if (f.length != 6) {
                throw new IllegalArgumentException(source + ": expected 6 columns (" + HEADER + "), got: " + line);
            }
            try {
                return new Row(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), f[5].isEmpty() ? Double.NaN
                                : Double.parseDouble(f[5]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": not a row of numbers: " + line, e);
            }
        }
    }

    private final List<Row> rows = new ArrayList<>();

    /** Appends the row of the next step. */
    public void add(Row row) {
        if (row.step() != rows.size()) {
            throw new IllegalStateException("row of step " + row.step() + " after " + rows.size() + " rows");
        }
        rows.add(row);
    }

    /** The rows so far. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Writes the rows to {@code file} ({@link AtomicFiles}). */
    public void write(Path file) throws IOException {
        StringBuilder s = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) {
            s.append(r.csv()).append('\n');
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /**
     * The first {@code steps} rows of {@code file} (a checkpoint's log: rows after its step, from a run that went
     * on, are dropped).
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable, malformed or short
     */
    public static LossLog read(Path file, int steps) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file (the checkpoint is incomplete)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + IoErrors.reason(file, e), e);
        }
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new IllegalArgumentException(file + ": expected the header " + HEADER);
        }
        LossLog log = new LossLog();
        for (int i = 1; i < lines.size() && log.rows.size() < steps; i++) {
            Row row = Row.parse(lines.get(i), file.toString());
            if (row.step() != log.rows.size()) {
                throw new IllegalArgumentException(file + ": line " + (i + 1) + " is step " + row.step() + ", expected "
                        + log.rows.size());
            }
            log.rows.add(row);
        }
        if (log.rows.size() < steps) {
            throw new IllegalArgumentException(file + ": has " + log.rows.size() + " steps but the checkpoint is at step "
                    + steps);
        }
        return log;
    }
}
