package dev.scalegram.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Grouped bar charts as a standalone SVG, one or more panels side by side under a title. Written by hand because a
 * plotting library would be a large dependency for a few rectangles; the output is plain SVG that browsers and GitHub
 * show as is. A panel can use a logarithmic axis, for values that differ by orders of magnitude.
 */
final class SvgChart {

    /** One bar per category, in one colour. */
    record Series(String name, List<Double> values) {}

    /**
     * @param categories the groups along the x axis; {@code \n} breaks a label into lines
     * @param series the bars in each group (every series has one value per category)
     */
    record Panel(String title, String yLabel, boolean logScale, List<String> categories, List<Series> series) {
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
    private final List<Panel> panels;

    SvgChart(String title, String subtitle, List<Panel> panels) {
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
            panel(s, panels.get(i), i * PANEL_W);
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
        // Axes.
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>%n",
                left, top, left, bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>%n",
                left, bottom, right, bottom));
        double yMid = (top + bottom) / 2;
        s.append(String.format(Locale.ROOT, "<text class=\"y-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                + "font-size=\"12\" fill=\"#333\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>%n",
                x0 + 18.0, yMid, x0 + 18.0, yMid, escape(p.yLabel() + (p.logScale() ? " (log scale)" : ""))));

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

    /** Where values sit on a panel's y axis, and its ticks. */
    private record Axis(boolean log, double lo, double hi, List<Double> ticks) {
        static Axis of(Panel p) {
            double max = 0;
            double minPositive = Double.MAX_VALUE;
            for (Series s : p.series()) {
                for (double v : s.values()) {
                    max = Math.max(max, v);
                    if (v > 0) {
                        minPositive = Math.min(minPositive, v);
                    }
                }
            }
            List<Double> ticks = new ArrayList<>();
            if (p.logScale()) {
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
