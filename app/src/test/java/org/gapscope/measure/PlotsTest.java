package org.gapscope.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/** Plots keep their legend off the data, draw a theory line in its data's colour, and label both ends of a log axis. */
class PlotsTest {
    static final double[] N = {10, 100, 1000, 10_000, 100_000, 1_000_000};

    static List<Plots.Series> crowdingLike() {
        List<Plots.Series> series = new ArrayList<>();
        for (String mitigation : List.of("none, s=5", "scalable:0.5, s=5")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (double n : N) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("n", n);
                r.put("meanP", mitigation.startsWith("none") ? 1 / (1 + (n - 1) * Math.exp(0.5 - 5)) : 0.5);
                r.put("meanField", 1 / (1 + (n - 1) * Math.exp(0.5 - 5)));
                rows.add(r);
            }
            CrowdingSweep.addCurvePair(series, mitigation, rows, "n", "mean P_N", "meanP", "mean field", "meanField");
        }
        return series;
    }

    @Test
    void theLegendIsOutsideThePlotArea() {
        XYChart chart = Plots.chart("t", "N", "P_N", crowdingLike(), true, true);
        LegendPosition p = chart.getStyler().getLegendPosition();
        assertTrue(p == LegendPosition.OutsideE || p == LegendPosition.OutsideS, p.toString());
    }

    @Test
    void aTheoryLineIsDashedInItsDataSeriesColour() {
        XYChart chart = Plots.chart("t", "N", "P_N", crowdingLike(), true, true);
        var s = chart.getSeriesMap();
        assertEquals(s.get("mean P_N, none, s=5").getLineColor(), s.get("mean field, none, s=5").getLineColor());
        assertEquals(s.get("mean P_N, scalable:0.5, s=5").getLineColor(),
                s.get("mean field, scalable:0.5, s=5").getLineColor());
        assertNotEquals(s.get("mean P_N, none, s=5").getLineColor(), s.get("mean P_N, scalable:0.5, s=5").getLineColor());
        assertTrue(s.get("mean field, none, s=5").getLineStyle().getDashArray() != null, "theory dashed");
        assertEquals(null, s.get("mean P_N, none, s=5").getLineStyle().getDashArray(), "data solid");
        for (var series : s.values()) {
            java.awt.Color c = series.getLineColor();
            // readable on white: no channel combination as light as the old light yellow
            assertTrue(c.getRed() + c.getGreen() + c.getBlue() < 3 * 215, series.getName() + ": " + c);
        }
    }

    @Test
    void aLogAxisSpansWholeDecadesSoBothEndsHaveTickLabels() {
        XYChart chart = Plots.chart("t", "N", "P_N", crowdingLike(), true, true);
        // the data reach 0.5 (scalable softmax): the axis ends at the decade 1, where a label is drawn
        assertEquals(1.0, chart.getStyler().getYAxisMax(), 0.0);
        double min = chart.getStyler().getYAxisMin();
        assertEquals(min, Math.pow(10, Math.rint(Math.log10(min))), min * 1e-12, "a whole decade: " + min);
        assertEquals(10.0, chart.getStyler().getXAxisMin(), 1e-9);
        assertEquals(1e6, chart.getStyler().getXAxisMax(), 1e-3);
    }
}
