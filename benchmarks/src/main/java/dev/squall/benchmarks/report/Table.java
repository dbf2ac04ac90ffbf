package dev.squall.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of a report: a header and rows of already formatted cells.
 *
 * @param header column names
 * @param rows   rows, each with one cell per column
 */
public record Table(List<String> header, List<List<String>> rows) {

    /** Checks that every row has one cell per column. */
    public Table {
        header = List.copyOf(header);
        rows = List.copyOf(rows);
        for (List<String> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("row " + r + " has " + r.size() + " cells for " + header.size() + " columns");
            }
        }
    }

    /** A table with {@code header}, to which rows are added with {@link Builder#row}. */
    public static Builder of(String... header) {
        return new Builder(List.of(header));
    }

    /** Builds a table row by row. */
    public static final class Builder {
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();

        private Builder(List<String> header) {
            this.header = header;
        }

        /** Adds a row of cells. */
        public Builder row(String... cells) {
            rows.add(List.of(cells));
            return this;
        }

        /** The table. */
        public Table build() {
            return new Table(header, rows);
        }
    }

    /** GitHub-flavoured Markdown; a {@code |} inside a cell (e.g. {@code max |diff|}) is escaped. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", escaped(header))).append(" |\n");
        sb.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<String> r : rows) {
            sb.append("| ").append(String.join(" | ", escaped(r))).append(" |\n");
        }
        return sb.toString();
    }

    private static List<String> escaped(List<String> cells) {
        return cells.stream().map(c -> c.replace("|", "\\|")).toList();
    }

    /** Fixed-width text for terminals: the first column left-aligned (labels), the others right-aligned (numbers). */
    public String text() {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendLine(sb, header, width);
        for (List<String> r : rows) {
            appendLine(sb, r, width);
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, List<String> cells, int[] width) {
        for (int c = 0; c < cells.size(); c++) {
            String pad = " ".repeat(width[c] - cells.get(c).length());
            sb.append(c == 0 ? cells.get(c) + pad : "  " + pad + cells.get(c));
        }
        sb.append('\n');
    }
}
