package dev.scalegram.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Charts as a standalone SVG, one or more panels side by side under a title: grouped bars ({@link Panel}) or lines
 * over a numeric x axis with optional horizontal limit lines ({@link LinePanel}). Written by hand because a plotting
 * library would be a large dependency for a few rectangles; the output is plain SVG that browsers and GitHub show as
 * is. An axis can be logarithmic, for values that differ by orders of magnitude.
 */
final class SvgChart {

    /** What one panel draws. */
    sealed interface Plot permits Panel, LinePanel {}

    /** One bar per category, in one colour. */
    record Series(String name, List<Double> values) {}

    /** One point of a line. */
    record Point(double x, double y) {}

    /** Points joined in the order given, in one colour, with a marker on each. */
    record Line(String name, List<Point> points) {}

    /** A horizontal dashed line across the plot at {@code y}, labelled (a latency limit, say). */
    record Threshold(String label, double y) {}

    /**
     * Lines over a numeric x axis. On a log axis, points at or below zero are left out (they have no place on it).
     *
     * @param thresholds horizontal reference lines; they count when the y axis is sized
     */
    record LinePanel(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Line> lines,
                     List<Threshold> thresholds) implements Plot {}

    /**
     * @param categories the groups along the x axis; {@code \n} breaks a label into lines
     * @param series the bars in each group (every series has one value per category)
     */
    record Panel(String title, String yLabel, boolean logScale, List<String> categories, List<Series> series)
            implements Plot {
        Panel {
            for (Series s : series) {
                if (s.values().size() != categories.size()) {
                    throw new IllegalArgumentException("series " + s.name() + " has " + s.values().size()
                            + " values for " + categories.size() + " categories");
                }
            }
        }
    }

    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1"};
    private static final int PANEL_W = 460;
    private static final int H = 470;
    private static final int TOP = 110;      // title, subtitle, panel title and legend above the plot area
    private static final int BOTTOM = 78;    // category labels below it
    private static final int LEFT = 78;      // tick labels and the y axis title
    private static final int RIGHT = 22;

    private final String title;
    private final String subtitle;
    private final List<Plot> panels;

    SvgChart(String title, String subtitle, List<? extends Plot> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a chart needs a panel");
        }
        this.title = title;
        this.subtitle = subtitle;
        this.panels = List.copyOf(panels);
    }

    void write(Path file) throws IOException {
        Files.writeString(file, render(), StandardCharsets.UTF_8);
    }

    String render() {
        int w = PANEL_W * panels.size();
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">%n", w, H, w, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", w, H));
        text(s, w / 2.0, 26, "middle", 17, "bold", "#222", title, "title");
        if (subtitle != null && !subtitle.isEmpty()) {
            text(s, w / 2.0, 46, "middle", 11, "normal", "#666", subtitle, "subtitle");
        }
        for (int i = 0; i < panels.size(); i++) {
            switch (panels.get(i)) {
                case Panel p -> panel(s, p, i * PANEL_W);
                case LinePanel p -> linePanel(s, p, i * PANEL_W);
            }
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private void panel(StringBuilder s, Panel p, int x0) {
        double left = x0 + LEFT;
        double right = x0 + PANEL_W - RIGHT;
        double top = TOP;
        double bottom = H - BOTTOM;
        double plotH = bottom - top;
        Axis axis = Axis.of(p);

        s.append("<g class=\"panel\">\n");
        text(s, (left + right) / 2, 74, "middle", 13, "bold", "#333", p.title(), "panel-title");
        // Gridlines and tick labels.
        for (double t : axis.ticks) {
            double y = bottom - axis.fraction(t) * plotH;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#e3e3e3\"/>%n", left, y, right, y));
            text(s, left - 6, y + 4, "end", 11, "normal", "#555", format(t), "tick");
        }
        axes(s, x0, left, top, right, bottom, p.yLabel() + (p.logScale() ? " (log scale)" : ""));

        int groups = p.categories().size();
        int per = p.series().size();
        double groupW = (right - left) / groups;
        double barW = Math.min(56, groupW * 0.72 / per);
        for (int g = 0; g < groups; g++) {
            double gx = left + g * groupW + (groupW - barW * per) / 2;
            for (int k = 0; k < per; k++) {
                double v = p.series().get(k).values().get(g);
                double h = Math.max(0, axis.fraction(v)) * plotH;
                double x = gx + k * barW;
                s.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        + "height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>%n", x + 1, bottom - h, barW - 2, h,
                        COLOURS[k % COLOURS.length],
                        escape(p.series().get(k).name() + ", " + p.categories().get(g).replace('\n', ' ') + ": "
                                + format(v))));
                text(s, x + barW / 2, bottom - h - 4, "middle", 10, "normal", "#222", format(v), "value");
            }
            String[] lines = p.categories().get(g).split("\n");
            for (int l = 0; l < lines.length; l++) {
                text(s, left + (g + 0.5) * groupW, bottom + 17 + l * 14, "middle", 11, "normal", "#333", lines[l],
                        "category");
            }
        }
        // Legend in one row between the panel title and the plot, where no bar can reach it.
        if (per > 1) {
            double lx = left;
            for (int k = 0; k < per; k++) {
                s.append(String.format(Locale.ROOT, "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" width=\"10\" "
                        + "height=\"10\" fill=\"%s\"/>%n", lx, top - 22, COLOURS[k % COLOURS.length]));
                String name = p.series().get(k).name();
                text(s, lx + 14, top - 13, "start", 11, "normal", "#333", name, "legend-label");
                lx += 34 + 7 * name.length();
            }
        }
        s.append("</g>\n");
    }

    private void linePanel(StringBuilder s, LinePanel p, int x0) {
        double left = x0 + LEFT;
        double right = x0 + PANEL_W - RIGHT;
        double top = TOP;
        double bottom = H - BOTTOM;
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Line l : p.lines()) {
            for (Point pt : shown(p, l)) {
                xs.add(pt.x());
                ys.add(pt.y());
            }
        }
        p.thresholds().forEach(t -> ys.add(t.y()));
        Axis xAxis = Axis.of(xs, p.logX()).denser();
        Axis yAxis = Axis.of(ys, p.logY()).denser();

        s.append("<g class=\"panel\">\n");
        text(s, (left + right) / 2, 74, "middle", 13, "bold", "#333", p.title(), "panel-title");
        for (double t : yAxis.ticks) {
            double y = bottom - yAxis.fraction(t) * (bottom - top);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#e3e3e3\"/>%n", left, y, right, y));
            text(s, left - 6, y + 4, "end", 11, "normal", "#555", format(t), "tick");
        }
        for (double t : xAxis.ticks) {
            double x = left + xAxis.fraction(t) * (right - left);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#f0f0f0\"/>%n", x, top, x, bottom));
            text(s, x, bottom + 16, "middle", 11, "normal", "#555", format(t), "x-tick");
        }
        axes(s, x0, left, top, right, bottom, p.yLabel() + (p.logY() ? " (log scale)" : ""));
        text(s, (left + right) / 2, bottom + 40, "middle", 12, "normal", "#333",
                p.xLabel() + (p.logX() ? " (log scale)" : ""), "x-label");

        for (Threshold t : p.thresholds()) {
            double y = bottom - yAxis.fraction(t.y()) * (bottom - top);
            s.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    + "y2=\"%.1f\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>%n",
                    left, y, right, y));
            text(s, right - 4, y - 5, "end", 11, "normal", "#c0392b", t.label(), "threshold-label");
        }
        for (int k = 0; k < p.lines().size(); k++) {
            Line l = p.lines().get(k);
            String colour = COLOURS[k % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            List<Point> shown = shown(p, l);
            for (Point pt : shown) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + xAxis.fraction(pt.x()) * (right - left),
                        bottom - yAxis.fraction(pt.y()) * (bottom - top)));
            }
            s.append(String.format(Locale.ROOT, "<polyline class=\"line\" points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2\"><title>%s</title></polyline>%n", pts.toString().trim(), colour,
                    escape(l.name())));
            for (Point pt : shown) {
                s.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
                        + "fill=\"%s\"><title>%s</title></circle>%n", left + xAxis.fraction(pt.x()) * (right - left),
                        bottom - yAxis.fraction(pt.y()) * (bottom - top), colour,
                        escape(l.name() + ": " + format(pt.x()) + ", " + format(pt.y()))));
            }
        }
        double lx = left;
        for (int k = 0; k < p.lines().size(); k++) {
            s.append(String.format(Locale.ROOT, "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" width=\"10\" "
                    + "height=\"10\" fill=\"%s\"/>%n", lx, top - 22, COLOURS[k % COLOURS.length]));
            String name = p.lines().get(k).name();
            text(s, lx + 14, top - 13, "start", 11, "normal", "#333", name, "legend-label");
            lx += 34 + 7 * name.length();
        }
        s.append("</g>\n");
    }

    private static List<Point> shown(LinePanel p, Line l) {
        return l.points().stream().filter(pt -> (!p.logX() || pt.x() > 0) && (!p.logY() || pt.y() > 0)
                && Double.isFinite(pt.x()) && Double.isFinite(pt.y())).toList();
    }

    /** Where values sit on a panel's y axis, and its ticks. */
    private record Axis(boolean log, double lo, double hi, List<Double> ticks) {
        static Axis of(Panel p) {
            List<Double> values = new ArrayList<>();
            p.series().forEach(s -> values.addAll(s.values()));
            return of(values, p.logScale());
        }

        static Axis of(List<Double> values, boolean logScale) {
            double max = 0;
            double minPositive = Double.MAX_VALUE;
            for (double v : values) {
                max = Math.max(max, v);
                if (v > 0) {
                    minPositive = Math.min(minPositive, v);
                }
            }
            List<Double> ticks = new ArrayList<>();
            if (logScale) {
                if (max <= 0) {
                    return new Axis(true, 1, 10, List.of(1.0, 10.0));
                }
                // One decade below the smallest bar, so that it still shows as a bar.
                int loExp = (int) Math.floor(Math.log10(minPositive)) - (minPositive == max ? 1 : 0);
                int hiExp = (int) Math.ceil(Math.log10(max) + 0.15);
                if (hiExp <= loExp) {
                    hiExp = loExp + 1;
                }
                for (int e = loExp; e <= hiExp; e++) {
                    ticks.add(Math.pow(10, e));
                }
                return new Axis(true, Math.pow(10, loExp), Math.pow(10, hiExp), ticks);
            }
            if (max <= 0) {
                max = 1;
            }
            double raw = max * 1.1 / 5;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = mag;
            for (double m : new double[] {1, 2, 2.5, 5, 10}) {
                if (m * mag >= raw) {
                    step = m * mag;
                    break;
                }
            }
            double hi = Math.ceil(max * 1.1 / step) * step;
            for (double t = 0; t <= hi + step / 2; t += step) {
                ticks.add(t);
            }
            return new Axis(false, 0, hi, ticks);
        }

        /** On a log axis of at most three decades, ticks at 1, 2 and 5 of each decade, to place a point by. */
        Axis denser() {
            if (!log || Math.log10(hi / lo) > 3.01) {
                return this;
            }
            List<Double> more = new ArrayList<>();
            for (double d : ticks) {
                for (double m : new double[] {1, 2, 5}) {
                    if (d * m <= hi * 1.0001) {
                        more.add(d * m);
                    }
                }
            }
            return new Axis(true, lo, hi, more);
        }

        /** 0 at the bottom of the plot, 1 at the top. */
        double fraction(double v) {
            if (log) {
                return v <= 0 ? 0 : (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
            }
            return (v - lo) / (hi - lo);
        }
    }

    /** Short labels: 0.42, 12.3, 512, 4.1k, 1.2M. */
    static String format(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        v = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).doubleValue(); // 999.7 is "1,000"
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "k";
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,d", Math.round(v));
        }
        return trim(v);
    }

    /** Three significant digits, never in exponent form. */
    private static String trim(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** The two axis lines of a plot area and its rotated y-axis label. */
    private static void axes(StringBuilder s, double x0, double left, double top, double right, double bottom,
            String yLabel) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>%n",
                left, top, left, bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>%n",
                left, bottom, right, bottom));
        double yMid = (top + bottom) / 2;
        s.append(String.format(Locale.ROOT, "<text class=\"y-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                + "font-size=\"12\" fill=\"#333\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>%n",
                x0 + 18.0, yMid, x0 + 18.0, yMid, escape(yLabel)));
    }

    private static void text(StringBuilder s, double x, double y, String anchor, int size, String weight, String fill,
            String content, String cls) {
        s.append(String.format(Locale.ROOT, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
                + "font-size=\"%d\" font-weight=\"%s\" fill=\"%s\">%s</text>%n", cls, x, y, anchor, size, weight, fill,
                escape(content)));
    }

    static String escape(String t) {
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
