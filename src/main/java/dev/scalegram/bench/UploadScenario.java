package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;

/**
 * A phone photo's upload, end to end: a 12-megapixel JPEG posted to {@code POST /api/v2/media} one at a time, the
 * sizes made before the answer, once with libvips and once with ImageIO + Thumbnailator, each on a server of its own
 * ({@code media.processor} set, {@code media.task_above_pixels} at the photo's pixel count so nothing goes to a task).
 * The time is the client's: sending 3-5 MB over loopback, the checks, the four sizes, storing them, the MEDIA row.
 */
final class UploadScenario implements Scenario {

    /** The goal: a 12-megapixel photo's upload answers, sizes made, within this. */
    private static final double GOAL_MS = 400;

    @Override
    public String name() {
        return "upload";
    }

    @Override
    public String summary() {
        return "a 12-megapixel JPEG through POST /api/v2/media, libvips vs ImageIO + Thumbnailator";
    }

    @Override
    public boolean supportsTopology() {
        return true;
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("width", 4000);
        d.put("height", 3000);
        d.put("jpeg_quality", 0.9);
        d.put("warmup_uploads", 20);
        d.put("uploads", 40);
        return d;
    }

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        int w = p.integer("width");
        int h = p.integer("height");
        long t0 = System.nanoTime();
        byte[] photo = photo(w, h, (float) p.number("jpeg_quality"));
        ctx.log().printf("  photo: %dx%d JPEG, %,d bytes, made in %d ms%n", w, h, photo.length,
                (System.nanoTime() - t0) / 1_000_000);
        p.note("photo", w + "x" + h + " baseline JPEG of " + photo.length + " bytes, drawn once per run: smooth colour "
                + "fields, hard-edged shapes and per-pixel noise, so the encoder and decoder have real detail to work "
                + "on (no EXIF orientation)");
        p.note("measured", "end to end through HTTP: POST /api/v2/media (multipart, the photo and nothing else) by "
                + "one client, one upload at a time (closed loop, no think time), each answered 200 with its sizes "
                + "made: the server runs with media.task_above_pixels at the photo's pixel count. One server per "
                + "processor, started with media.processor set to it; /ready tells which processor ran");
        p.note("goal", "an upload of a 12-megapixel photo answers within " + (int) GOAL_MS + " ms (p50, libvips)");

        long[] vipsMs = new long[p.integer("uploads")];
        long[] javaMs = new long[p.integer("uploads")];
        Map<String, Object> vips = runOnce(ctx, "vips", photo, w, h, vipsMs);
        Map<String, Object> java = runOnce(ctx, "java", photo, w, h, javaMs);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("vips", vips);
        results.put("java", java);
        Map<String, long[]> samples = new LinkedHashMap<>();
        samples.put("libvips", vipsMs);
        samples.put("java", javaMs);
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("java_over_vips", ratio(num(java, "p50_ms"), num(vips, "p50_ms")));
        ratios.put("java_over_vips_mean", ratio(num(java, "mean_ms"), num(vips, "mean_ms")));
        boolean met = num(vips, "p50_ms") <= GOAL_MS;
        ratios.put("goal_upload_ms_met", met);
        ratios.put("goal", "libvips upload p50 <= " + (int) GOAL_MS + " ms for a " + megapixels(w, h) + " MP JPEG");
        ctx.log().printf("  upload p50: libvips %s ms, java %s ms (%s×); goal <= %d ms: %s%n", vips.get("p50_ms"),
                java.get("p50_ms"), ratios.get("java_over_vips"), (int) GOAL_MS, met ? "met" : "not met");
        return new Outcome(results, ratios, chart(w, h, photo.length, vips, java, samples, ratios));
    }

    private Map<String, Object> runOnce(BenchContext ctx, String processor, byte[] photo, int w, int h, long[] ms)
            throws Exception {
        Params p = ctx.params();
        ctx.log().printf("  --- media.processor %s ---%n", processor);
        Topology base = ctx.topology();
        Topology.MediaConfig m = base.media();
        long pixels = (long) w * h;
        Topology.LimitsConfig l = base.limits();
        Topology t = base
                .withMedia(new Topology.MediaConfig(Math.max(m.maxPixels(), pixels), pixels, processor,
                        m.cdnBaseUrl()))
                .withLimits(new Topology.LimitsConfig(l.maxStatusChars(), Math.max(l.maxMediaBytes(),
                        photo.length + 1024L), l.maxMediaPerStatus(), l.maxPageSize(), l.requestsPer5Min()));
        try (BenchContext.Served<String> served = ctx.serve("upload-" + processor, t, app -> {
                 try (HttpApi seed = new HttpApi(URI.create("http://127.0.0.1:" + app.port() + "/"))) {
                     return Dataset.post(seed, ctx.username("bench_upload_" + processor), "uploads").token();
                 }
             });
             HttpApi api = new HttpApi(served.server().base())) {
            String token = served.data();
            String name = api.getJson("/ready", null).path("photos").asString();
            ctx.log().println("  processor: " + name);
            int warmup = p.integer("warmup_uploads");
            Histogram hist = new Histogram(3);
            JsonNode first = null;
            for (int i = 0; i < warmup + ms.length; i++) {
                long start = System.nanoTime();
                JsonNode media = api.postFile("/api/v2/media", token, "file", "photo.jpg", "image/jpeg", photo);
                long nanos = System.nanoTime() - start;
                if (first == null) {
                    first = media;
                }
                if (i >= warmup) {
                    hist.recordValue(nanos);
                    ms[i - warmup] = nanos / 1_000_000;
                }
                if ((i + 1) % 10 == 0) {
                    ctx.log().printf("  %s: %d of %d uploads, last %d ms%n", processor, i + 1, warmup + ms.length,
                            nanos / 1_000_000);
                }
            }
            check(first, w, h);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("processor", name);
            r.put("uploads", hist.getTotalCount());
            r.put("p50_ms", Percentiles.round(hist.getValueAtPercentile(50) / 1e6));
            r.put("p90_ms", Percentiles.round(hist.getValueAtPercentile(90) / 1e6));
            r.put("p99_ms", Percentiles.round(hist.getValueAtPercentile(99) / 1e6));
            r.put("max_ms", Percentiles.round(hist.getMaxValue() / 1e6));
            r.put("mean_ms", Percentiles.round(hist.getMean() / 1e6));
            long rss = served.server().peakRssBytes();
            if (rss > 0) {
                r.put("server_peak_rss_mb", BenchRunner.mib(rss));
            }
            ctx.log().printf("  %s: p50 %s ms, p99 %s ms, mean %s ms over %d uploads; server peak RSS %s MB%n",
                    processor, r.get("p50_ms"), r.get("p99_ms"), r.get("mean_ms"), hist.getTotalCount(),
                    r.getOrDefault("server_peak_rss_mb", "?"));
            return r;
        }
    }

    /** The upload answered with the sizes made, as the photo's dimensions say: the work timed was the whole work. */
    private static void check(JsonNode media, int w, int h) {
        JsonNode original = media.path("meta").path("original");
        if (original.path("width").asInt() != w || original.path("height").asInt() != h
                || media.path("url").isMissingNode() || media.path("url").isNull()
                || media.path("blurhash").asString("").isEmpty()) {
            throw new IllegalStateException("the upload did not answer with its sizes made: " + media);
        }
    }

    /**
     * A photo-like JPEG: smooth colour fields (low-frequency waves), hard-edged discs, and noise on every pixel like a
     * sensor's. Flat colour would compress to nothing and decode unrealistically fast.
     */
    static byte[] photo(int w, int h, float quality) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        SplittableRandom random = new SplittableRandom(12);
        int discs = 40;
        double[][] disc = new double[discs][];
        for (int d = 0; d < discs; d++) {
            disc[d] = new double[] {random.nextDouble() * w, random.nextDouble() * h,
                    (0.02 + random.nextDouble() * 0.08) * Math.min(w, h), random.nextInt(0x1000000)};
        }
        for (int y = 0; y < h; y++) {
            double fy = (double) y / h;
            for (int x = 0; x < w; x++) {
                double fx = (double) x / w;
                int r = (int) (128 + 90 * Math.sin(6.1 * fx + 2.3 * fy));
                int g = (int) (128 + 90 * Math.sin(4.7 * fy - 3.1 * fx + 1));
                int b = (int) (128 + 90 * Math.cos(5.3 * (fx + fy)));
                for (double[] c : disc) {
                    double dx = x - c[0];
                    double dy = y - c[1];
                    if (dx * dx + dy * dy < c[2] * c[2]) {
                        int rgb = (int) c[3];
                        r = (r + (rgb >> 16 & 0xff)) / 2;
                        g = (g + (rgb >> 8 & 0xff)) / 2;
                        b = (b + (rgb & 0xff)) / 2;
                    }
                }
                int n = random.nextInt(25) - 12;
                px[y * w + x] = clamp(r + n) << 16 | clamp(g + n) << 8 | clamp(b + random.nextInt(25) - 12);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static SvgChart chart(int w, int h, int bytes, Map<String, Object> vips, Map<String, Object> java,
            Map<String, long[]> samples, Map<String, Object> ratios) {
        List<String> cats = List.of("libvips\n" + vips.get("processor"), "java\n" + java.get("processor"));
        SvgChart.Panel latency = new SvgChart.Panel("Upload latency", "latency (ms)", false, cats, List.of(
                new SvgChart.Series("p50", List.of(num(vips, "p50_ms"), num(java, "p50_ms"))),
                new SvgChart.Series("p99", List.of(num(vips, "p99_ms"), num(java, "p99_ms"))),
                new SvgChart.Series("mean", List.of(num(vips, "mean_ms"), num(java, "mean_ms")))));
        List<SvgChart.Line> lines = new ArrayList<>();
        for (Map.Entry<String, long[]> e : samples.entrySet()) {
            List<SvgChart.Point> points = new ArrayList<>();
            long[] ms = e.getValue();
            for (int i = 0; i < ms.length; i++) {
                points.add(new SvgChart.Point(i + 1, ms[i]));
            }
            lines.add(new SvgChart.Line(e.getKey(), points));
        }
        SvgChart.LinePanel each = new SvgChart.LinePanel("Each measured upload", "upload (after the warm-up)",
                "latency (ms)", false, false, lines,
                List.of(new SvgChart.Threshold("goal " + (int) GOAL_MS + " ms", GOAL_MS)));
        return new SvgChart("upload: a " + megapixels(w, h) + " MP JPEG (" + w + "x" + h + ", "
                + SvgChart.format(bytes / 1e6) + " MB) into 4 sizes, over HTTP",
                "p50 java / libvips = " + SvgChart.format(((Number) ratios.get("java_over_vips")).doubleValue())
                        + "×; goal ≤ " + (int) GOAL_MS + " ms: "
                        + (Boolean.TRUE.equals(ratios.get("goal_upload_ms_met")) ? "met" : "not met"),
                List.of(latency, each));
    }

    private static String megapixels(int w, int h) {
        return SvgChart.format(w * (double) h / 1e6);
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? 0 : Percentiles.round(a / b);
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
