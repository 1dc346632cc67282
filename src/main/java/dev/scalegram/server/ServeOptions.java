package dev.scalegram.server;

import dev.scalegram.config.Topology;
import java.nio.file.Path;

/**
 * What {@code serve} was asked to run.
 *
 * @param topology where everything is; {@link Topology#embedded()} for one process
 * @param dataDir where embedded PostgreSQL and media keep their files
 * @param port the HTTP port; 0 picks a free one
 */
public record ServeOptions(Topology topology, Path dataDir, int port) {}
