package dev.squall.cli.train;

import dev.squall.engine.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code loss.png}: the training loss of every step as a line, the validation losses as points (XChart). */
final class LossChart {
    private LossChart() {
    }

    /** Renders the rows to {@code file} ({@link AtomicFiles}); nothing when there are none. */
    static void write(Path file, List<LossLog.Row> rows, String title) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step")
                .yAxisTitle("loss (nats per token)").build();
        chart.getStyler().setXAxisDecimalPattern("#,##0").setYAxisDecimalPattern("0.00");
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.addSeries("train", rows.stream().mapToDouble(LossLog.Row::step).toArray(),
                rows.stream().mapToDouble(LossLog.Row::loss).toArray()).setMarker(SeriesMarkers.NONE);
        List<LossLog.Row> evaluated = rows.stream().filter(r -> !Double.isNaN(r.valLoss())).toList();
        if (!evaluated.isEmpty()) {
            chart.addSeries("validation", evaluated.stream().mapToDouble(LossLog.Row::step).toArray(),
                    evaluated.stream().mapToDouble(LossLog.Row::valLoss).toArray()).setMarker(SeriesMarkers.CIRCLE);
        }
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
