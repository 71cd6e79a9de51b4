package dev.rnn4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The loss curve of a run as a PNG (XChart, headless). */
final class LossChart {
  private LossChart() {}

  /** Writes training loss (smoothed) and validation loss against the step. */
  static void write(Path png, List<double[]> train, List<double[]> val) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(500).title("rnn4j training").xAxisTitle("step")
        .yAxisTitle("cross-entropy (nats/token)").build();
    if (!train.isEmpty()) {
      double[] x = new double[train.size()];
      double[] y = new double[train.size()];
      double ema = train.get(0)[1];
      for (int i = 0; i < x.length; i++) {
        ema = 0.9 * ema + 0.1 * train.get(i)[1];
        x[i] = train.get(i)[0];
        y[i] = ema;
      }
      chart.addSeries("train (EMA 0.9)", x, y).setMarker(SeriesMarkers.NONE);
    }
    if (!val.isEmpty()) {
      double[] x = new double[val.size()];
      double[] y = new double[val.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = val.get(i)[0];
        y[i] = val.get(i)[1];
      }
      chart.addSeries("validation", x, y);
    }
    String name = png.toString();
    BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
        BitmapEncoder.BitmapFormat.PNG);
  }
}
