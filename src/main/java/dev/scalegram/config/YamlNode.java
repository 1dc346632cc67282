package dev.scalegram.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A YAML node that knows where it came from, so that every configuration error names the file, the line and the
 * field ({@code topology.yaml:12: postgres.servers[1].pool_size: expected a whole number, got 'many'}). A missing
 * node reads as absent, so optional sections need no special cases.
 */
final class YamlNode {

    private final String file;
    private final String path;
    private final Node node;
    private final int line;

    private YamlNode(String file, String path, Node node, int line) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.line = line;
    }

    static YamlNode parse(String file, String text) {
        try {
            Node root = new Compose(LoadSettings.builder().setLabel(file).build()).composeString(text).orElse(null);
            return new YamlNode(file, "", root, 1);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            throw new TopologyException(file + ":" + line + ": not valid YAML: " + e.getProblem());
        }
    }

    boolean present() {
        return node != null && !(node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null"));
    }

    String path() {
        return path.isEmpty() ? "(top level)" : path;
    }

    TopologyException error(String message) {
        return new TopologyException(file + ":" + line + ": " + path() + ": " + message);
    }

    private Map<String, YamlNode> entries() {
        Map<String, YamlNode> out = new LinkedHashMap<>();
        if (!present()) {
            return out;
        }
        if (!(node instanceof MappingNode m)) {
            throw error("expected a section of key: value lines");
        }
        for (NodeTuple t : m.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(t.getKeyNode());
            out.put(key, new YamlNode(file, path.isEmpty() ? key : path + "." + key, t.getValueNode(),
                    lineOf(t.getKeyNode())));
        }
        return out;
    }

    private static int lineOf(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    /** The child named {@code key} (absent if missing). */
    YamlNode get(String key) {
        YamlNode child = entries().get(key);
        return child != null ? child : new YamlNode(file, path.isEmpty() ? key : path + "." + key, null, line);
    }

    /** Refuses keys this section does not define: a misspelt setting must not be silently ignored. */
    YamlNode only(Set<String> known) {
        for (Map.Entry<String, YamlNode> e : entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                throw e.getValue().error("unknown setting (expected one of " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
        return this;
    }

    List<YamlNode> list() {
        List<YamlNode> out = new ArrayList<>();
        if (!present()) {
            return out;
        }
        if (!(node instanceof SequenceNode s)) {
            throw error("expected a list");
        }
        int i = 0;
        for (Node item : s.getValue()) {
            out.add(new YamlNode(file, path + "[" + i++ + "]", item, lineOf(item)));
        }
        return out;
    }

    Map<String, YamlNode> map() {
        return entries();
    }

    private String scalar() {
        if (!(node instanceof ScalarNode s)) {
            throw error("expected a single value");
        }
        return s.getValue();
    }

    String string(String orElse) {
        return present() ? scalar() : orElse;
    }

    String requiredString() {
        if (!present() || scalar().isBlank()) {
            throw error("is required");
        }
        return scalar();
    }

    int integer(int orElse, int min, int max) {
        return (int) longValue(orElse, min, max);
    }

    long longValue(long orElse, long min, long max) {
        if (!present()) {
            return orElse;
        }
        String v = scalar();
        long n;
        try {
            n = Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw error("expected a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw error("must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    boolean bool(boolean orElse) {
        if (!present()) {
            return orElse;
        }
        return switch (scalar().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error("expected true or false, got '" + scalar() + "'");
        };
    }

    Topology.HostPort hostPort() {
        String v = requiredString().trim();
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw error("expected host:port, got '" + v + "'");
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw error("port must be 1-65535, got " + port);
            }
            return new Topology.HostPort(v.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw error("expected host:port, got '" + v + "'");
        }
    }
}
