/**
 * Typed configuration: one YAML topology file read into records. Embedded mode needs no file at all:
 * {@link dev.scalegram.config.Topology#embedded()} is the whole default.
 */
package dev.scalegram.config;
