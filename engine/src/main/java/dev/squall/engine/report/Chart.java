package dev.squall.engine.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart of a report, rendered to PNG with XChart: named series of (x, y) points on linear or
 * logarithmic axes.
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
        /** Checks that x and y pair up. */
        public Series {
            if (x.length != y.length || x.length == 0) {
                throw new IllegalArgumentException("series '" + name + "' needs as many y as x values, at least one");
            }
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();

    private Chart(String title, String xLabel, String yLabel, boolean logX, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
        this.logY = logY;
    }

    /** A chart with both axes logarithmic. */
    public static Chart logLog(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, true, true);
    }

    /** A chart with a logarithmic x axis and a linear y axis. */
    public static Chart logX(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, true, false);
    }

    /** A chart with linear axes. */
    public static Chart linear(String title, String xLabel, String yLabel) {
        return new Chart(title, xLabel, yLabel, false, false);
    }

    /** Adds a series. */
    public Chart series(String name, double[] x, double[] y) {
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

    /** Renders the chart to a PNG file. */
    public void writePng(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        chart.getStyler().setXAxisLogarithmic(logX).setYAxisLogarithmic(logY).setChartBackgroundColor(java.awt.Color.WHITE)
                .setLegendPosition(series.size() > 4 ? org.knowm.xchart.style.Styler.LegendPosition.OutsideE
                        : org.knowm.xchart.style.Styler.LegendPosition.InsideNW); // many series would hide the lines
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
