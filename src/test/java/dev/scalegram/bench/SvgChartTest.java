package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

/** The SVG writer makes well-formed XML with one bar per value, labelled, and bars ordered like their values. */
class SvgChartTest {

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

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
    void groupedBarsOnALogAxis() throws Exception {
        SvgChart chart = new SvgChart("counter: <1.2M> likes & more", "speedup 40,000×", List.of(
                new SvgChart.Panel("Reading the like count", "latency (µs)", true,
                        List.of("count(*)", "cached\n(in-process)", "HTTP"),
                        List.of(new SvgChart.Series("p50", List.of(120_000.0, 2.5, 450.0)),
                                new SvgChart.Series("p99", List.of(180_000.0, 9.0, 1200.0))))));
        String svg = chart.render();
        Document d = parse(svg);
        assertEquals("svg", d.getDocumentElement().getLocalName());

        List<Element> bars = byClass(d, "rect", "bar");
        assertEquals(6, bars.size(), "3 categories x 2 series");
        assertEquals("counter: <1.2M> likes & more", byClass(d, "text", "title").getFirst().getTextContent());
        assertTrue(byClass(d, "text", "y-label").getFirst().getTextContent().contains("log scale"));
        assertEquals(List.of("p50", "p99"), byClass(d, "text", "legend-label").stream().map(Element::getTextContent).toList());
        // "cached\n(in-process)" is drawn on two lines.
        assertEquals(List.of("count(*)", "cached", "(in-process)", "HTTP"),
                byClass(d, "text", "category").stream().map(Element::getTextContent).toList());
        // Bars in document order: category by category, p50 then p99. Larger values are taller, on a log axis too.
        double[] h = bars.stream().mapToDouble(b -> Double.parseDouble(b.getAttribute("height"))).toArray();
        assertTrue(h[0] > h[4] && h[4] > h[2], "count(*) > HTTP > cached");
        assertTrue(h[1] > h[0] && h[3] > h[2] && h[5] > h[4], "p99 above p50 in each group");
        assertTrue(h[2] > 0, "the smallest bar is still visible");
        assertEquals("p50, count(*): 120k", bars.getFirst().getTextContent());
        assertEquals(List.of("120k", "180k", "2.5", "9", "450", "1,200"),
                byClass(d, "text", "value").stream().map(Element::getTextContent).toList());
    }

    @Test
    void panelsSideBySideOnALinearAxis() throws Exception {
        SvgChart chart = new SvgChart("herd", null, List.of(
                new SvgChart.Panel("loads", "loads per invalidation", false, List.of("on", "off"),
                        List.of(new SvgChart.Series("loads", List.of(1.0, 0.0)))),
                new SvgChart.Panel("latency", "µs", true, List.of("on", "off"),
                        List.of(new SvgChart.Series("p99", List.of(3.0, 3000.0))))));
        Document d = parse(chart.render());
        assertEquals(2, byClass(d, "g", "panel").size());
        List<Element> bars = byClass(d, "rect", "bar");
        assertEquals(4, bars.size());
        assertEquals(0.0, Double.parseDouble(bars.get(1).getAttribute("height")), "a zero is a bar of no height");
        assertTrue(byClass(d, "text", "legend-label").isEmpty(), "no legend for a single series");
        assertEquals("920", d.getDocumentElement().getAttribute("width"));
    }

    @Test
    void aSeriesMustCoverEveryCategory() {
        assertThrows(IllegalArgumentException.class, () -> new SvgChart.Panel("p", "y", false, List.of("a", "b"),
                List.of(new SvgChart.Series("s", List.of(1.0)))));
    }

    @Test
    void labelsAreShort() {
        assertEquals("0", SvgChart.format(0));
        assertEquals("0.42", SvgChart.format(0.42));
        assertEquals("12.3", SvgChart.format(12.34));
        assertEquals("512", SvgChart.format(512));
        assertEquals("1,000", SvgChart.format(999.7));
        assertEquals("4,100", SvgChart.format(4100));
        assertEquals("41k", SvgChart.format(41_000));
        assertEquals("1.2M", SvgChart.format(1_200_000));
        assertEquals("a &amp; b &lt;c&gt;", SvgChart.escape("a & b <c>"));
    }
}
