package dev.squall.benchmarks.report;

import dev.squall.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A benchmark report: a Markdown file with sections of text, tables and PNG charts, headed by the machine
 * it was measured on so reports from different machines can be compared.
 */
public final class Report {
    private final String title;
    private final List<String> machine;
    private final List<Section> sections = new ArrayList<>();

    /**
     * A report called {@code title}.
     *
     * @param machine lines describing the machine, JDK, backend and fast paths
     */
    public Report(String title, List<String> machine) {
        this.title = title;
        this.machine = List.copyOf(machine);
    }

    /** Adds a section and returns it, to be filled. */
    public Section section(String heading) {
        Section s = new Section(heading);
        sections.add(s);
        return s;
    }

    /** The sections, in order. */
    public List<Section> sections() {
        return List.copyOf(sections);
    }

    /**
     * Writes {@code report.md}, one PNG per chart and {@code results.csv} into {@code dir} (created if
     * needed); returns the Markdown file. The CSV holds every table cell in long form, each row carrying the
     * machine description, so that results from different machines can be put side by side.
     */
    public Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        for (String line : machine) {
            md.append("- ").append(line).append('\n');
        }
        int chartNo = 0;
        for (Section s : sections) {
            md.append("\n## ").append(s.heading).append("\n\n");
            for (Object block : s.blocks) {
                switch (block) {
                    case String text -> md.append(text).append("\n\n");
                    case Table t -> md.append(t.markdown()).append('\n');
                    case Chart c -> {
                        String file = String.format(Locale.ROOT, "chart-%02d-%s.png", ++chartNo, slug(c.title()));
                        c.writePng(dir.resolve(file));
                        md.append("![").append(c.title()).append("](").append(file).append(")\n\n");
                    }
                    default -> throw new IllegalStateException("unknown block " + block);
                }
            }
        }
        Path out = dir.resolve("report.md");
        writeText(out, md.toString());
        writeText(dir.resolve("results.csv"), csv());
        return out;
    }

    private static void writeText(Path file, String text) throws IOException {
        AtomicFiles.write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code machine,section,row,column,value}: one line per table cell, the row named by its first cell. */
    String csv() {
        StringBuilder sb = new StringBuilder("machine,section,row,column,value\n");
        String m = quote(String.join("; ", machine));
        for (Section s : sections) {
            for (Object block : s.blocks) {
                if (block instanceof Table t) {
                    for (List<String> row : t.rows()) {
                        for (int c = 1; c < row.size(); c++) {
                            sb.append(m).append(',').append(quote(s.heading)).append(',').append(quote(row.get(0)))
                                    .append(',').append(quote(t.header().get(c))).append(',').append(quote(row.get(c)))
                                    .append('\n');
                        }
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String quote(String cell) {
        return '"' + cell.replace("\"", "\"\"") + '"';
    }

    private static String slug(String s) {
        String slug = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.length() > 40 ? slug.substring(0, 40) : slug;
    }

    /** A section: paragraphs, tables and charts in the order added. */
    public static final class Section {
        private final String heading;
        private final List<Object> blocks = new ArrayList<>();

        private Section(String heading) {
            this.heading = heading;
        }

        /** Adds a paragraph of Markdown text. */
        public Section text(String markdown) {
            blocks.add(markdown);
            return this;
        }

        /** Adds a table. */
        public Section table(Table t) {
            blocks.add(t);
            return this;
        }

        /** Adds a chart. */
        public Section chart(Chart c) {
            blocks.add(c);
            return this;
        }

        /** The section heading. */
        public String heading() {
            return heading;
        }
    }
}
