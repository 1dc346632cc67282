package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Line panels: one polyline per line, a marker per point, the limit line where its value is, next to bar panels. */
class SvgLineChartTest {

    private static List<Element> byClass(Document d, String tag, String cls) {
        NodeList all = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void linesOnLogAxesWithALimit() throws Exception {
        SvgChart chart = new SvgChart("timeline", "max rate", List.of(
                new SvgChart.LinePanel("p99 by rate", "offered rate", "p99 (ms)", true, true, List.of(
                        new SvgChart.Line("fast", List.of(new SvgChart.Point(200, 1.5), new SvgChart.Point(300, 2),
                                new SvgChart.Point(450, 90))),
                        new SvgChart.Line("slow", List.of(new SvgChart.Point(200, 30), new SvgChart.Point(0, 5)))),
                        List.of(new SvgChart.Threshold("limit 20 ms", 20))),
                new SvgChart.Panel("max", "req/s", false, List.of("fast", "slow"),
                        List.of(new SvgChart.Series("max", List.of(300.0, 0.0))))));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(chart.render()
                .getBytes(StandardCharsets.UTF_8)));

        assertEquals(2, byClass(d, "g", "panel").size());
        assertEquals(2, byClass(d, "polyline", "line").size());
        // The point at x = 0 has no place on a log axis: 3 + 1 markers.
        List<Element> points = byClass(d, "circle", "point");
        assertEquals(4, points.size());
        assertEquals(List.of("fast", "slow"), byClass(d, "text", "legend-label").stream()
                .map(Element::getTextContent).toList().subList(0, 2));
        assertTrue(byClass(d, "text", "x-label").getFirst().getTextContent().contains("log scale"));

        // Up the page is down in SVG: 90 ms is above the 20 ms line, 2 ms below it; x grows with the rate.
        double limitY = Double.parseDouble(byClass(d, "line", "threshold").getFirst().getAttribute("y1"));
        double y90 = Double.parseDouble(points.get(2).getAttribute("cy"));
        double y2 = Double.parseDouble(points.get(1).getAttribute("cy"));
        assertTrue(y90 < limitY && limitY < y2, y90 + " < " + limitY + " < " + y2);
        double x200 = Double.parseDouble(points.get(0).getAttribute("cx"));
        double x450 = Double.parseDouble(points.get(2).getAttribute("cx"));
        assertTrue(x200 < x450);
        assertEquals("fast: 450, 90", points.get(2).getTextContent());
        assertEquals(2, byClass(d, "rect", "bar").size(), "the bar panel still draws its bars");
    }
}
