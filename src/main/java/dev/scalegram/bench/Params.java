package dev.scalegram.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scenario's parameters: its defaults, overridden from the command line ({@code -p likes=2000}), plus notes the
 * scenario adds about how it ran. Everything here ends up under {@code params} in the result JSON, so a result says
 * exactly what was measured.
 */
final class Params {

    private final Map<String, Object> values = new LinkedHashMap<>();

    /**
     * @param defaults every parameter the scenario knows, with its default (Integer, Long, Double, Boolean or String);
     *     an override is parsed as the default's type
     * @throws IllegalArgumentException for an unknown name or a value that does not parse
     */
    Params(Map<String, Object> defaults, Map<String, String> overrides) {
        values.putAll(defaults);
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            Object d = defaults.get(o.getKey());
            if (d == null) {
                throw new IllegalArgumentException("unknown parameter '" + o.getKey() + "' (known: "
                        + String.join(", ", defaults.keySet()) + ")");
            }
            values.put(o.getKey(), parse(o.getKey(), o.getValue(), d));
        }
    }

    private static Object parse(String name, String v, Object like) {
        try {
            return switch (like) {
                case Integer i -> Integer.parseInt(v.replace("_", "").replace(",", ""));
                case Long l -> Long.parseLong(v.replace("_", "").replace(",", ""));
                case Double d -> Double.parseDouble(v);
                case Boolean b -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "yes", "on", "1" -> true;
                    case "false", "no", "off", "0" -> false;
                    default -> throw new NumberFormatException(v);
                };
                default -> v;
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter '" + name + "': cannot read '" + v + "' as a "
                    + like.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        }
    }

    int integer(String name) {
        return ((Number) get(name)).intValue();
    }

    double number(String name) {
        return ((Number) get(name)).doubleValue();
    }

    java.time.Duration seconds(String name) {
        return java.time.Duration.ofMillis(Math.round(number(name) * 1000));
    }

    private Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return v;
    }

    /** Adds a fact about the run (not a knob): what was measured, and how. */
    void note(String name, Object value) {
        values.put(name, value);
    }

    Map<String, Object> asMap() {
        return new LinkedHashMap<>(values);
    }
}
