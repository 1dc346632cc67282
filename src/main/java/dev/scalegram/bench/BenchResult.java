package dev.scalegram.bench;

import dev.scalegram.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;

/**
 * A scenario's result as written to {@code DIR/SCENARIO.json}: {@code {scenario, machine, params, results, ratios}},
 * and its chart as {@code DIR/SCENARIO.svg}.
 */
record BenchResult(String scenario, Map<String, Object> machine, Map<String, Object> params,
                   Map<String, Object> results, Map<String, Object> ratios, SvgChart chart) {

    /** The JSON document, keys in the order above, indented for people and diffs. */
    String json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("scenario", scenario);
        doc.put("machine", machine);
        doc.put("params", params);
        doc.put("results", results);
        doc.put("ratios", ratios);
        return Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n";
    }

    Path jsonFile(Path dir) {
        return dir.resolve(scenario + ".json");
    }

    Path chartFile(Path dir) {
        return dir.resolve(scenario + ".svg");
    }

    /** Writes both files into {@code dir} (created if missing). */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(jsonFile(dir), json());
        chart.write(chartFile(dir));
    }
}
