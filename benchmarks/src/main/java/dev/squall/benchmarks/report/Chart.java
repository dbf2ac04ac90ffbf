package dev.squall.benchmarks.report;

import dev.squall.engine.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A chart of a report, rendered to PNG with XChart: a line chart of named series of (x, y) points on linear
 * or logarithmic axes, or a grouped bar chart of named series over categories.
 *
 * <p>A logarithmic axis is only used when its data span at least a decade: XChart prints no tick labels on a
 * log axis that spans less, so such an axis falls back to linear (and says so in its title).
 */
public final class Chart {
    /**
     * One line of the chart.
     *
     * @param name legend entry
     * @param x    x values
     * @param y    y values, one per x
     */
    public record Series(String name, double[] x, double[] y) {
        /** Checks that x and y pair up ({@code x} is null in a bar chart: one y per category). */
        public Series {
            if ((x != null && x.length != y.length) || y.length == 0) {
                throw new IllegalArgumentException("series '" + name + "' needs as many y as x values, at least one");
            }
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final boolean logY;
    private final List<String> categories;
    private final List<Series> series = new ArrayList<>();

    private Chart(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<String> categories) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
        this.logY = logY;
        this.categories = categories == null ? null : List.copyOf(categories);
    }

    /** A chart with both axes logarithmic. */
    public static Chart logLog(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, true, true, null);
    }

    /** A chart with a logarithmic x axis and a linear y axis. */
    public static Chart logX(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, true, false, null);
    }

    /** A chart with linear axes. */
    public static Chart linear(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, false, false, null);
    }

    /** A grouped bar chart over {@code categories}; its series have one y per category and no x. */
    public static Chart bars(String title, String xLabel, String yLabel, List<String> categories) {
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("a bar chart needs at least one category");
        }
        return new Chart(title, xLabel, yLabel, false, false, categories);
    }

    /** Adds a series ({@code x} null in a bar chart). */
    public Chart series(String name, double[] x, double[] y) {
        if ((categories == null) == (x == null) || (categories != null && y.length != categories.size())) {
            throw new IllegalArgumentException("series '" + name + "': a line chart needs x values, a bar chart one y"
                    + " per category and no x");
        }
        series.add(new Series(name, x, y));
        return this;
    }

    /** The chart's title. */
    public String title() {
        return title;
    }

    /** The series added so far. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    /** Renders the chart to a PNG file, replacing it only once complete ({@link AtomicFiles}). */
    public void writePng(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (categories != null) {
            CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel)
                    .yAxisTitle(yLabel).build();
            chart.getStyler().setYAxisDecimalPattern("#,##0.#").setYAxisMin(0.0);
            chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.InsideNE);
            for (Series s : series) {
                chart.addSeries(s.name(), categories, java.util.Arrays.stream(s.y()).boxed().toList());
            }
            AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
            return;
        }
        boolean xLog = logX && spansADecade(series.stream().map(Series::x).toList());
        boolean yLog = logY && spansADecade(series.stream().map(Series::y).toList());
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle(xLabel + (xLog ? " (log scale)" : "")).yAxisTitle(yLabel + (yLog ? " (log scale)" : ""))
                .build();
        chart.getStyler().setXAxisLogarithmic(xLog).setYAxisLogarithmic(yLog).setXAxisDecimalPattern("#,##0.###")
                .setYAxisDecimalPattern("#,##0.###");
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(series.size() > 4
                ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.InsideNW); // many series would hide the lines
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.CIRCLE);
        }
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    /** Whether the positive values span at least a factor of 10 (a log axis then gets tick labels). */
    static boolean spansADecade(List<double[]> values) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (double[] v : values) {
            for (double d : v) {
                if (d > 0) {
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                }
            }
        }
        return max >= 10 * min;
    }
}
