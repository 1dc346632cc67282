/**
 * Wiring and the command line. {@link dev.scalegram.server.Scalegram} builds the whole process explicitly, in
 * dependency order, from a {@link dev.scalegram.config.Topology}; {@link dev.scalegram.server.Main} is the CLI.
 */
package dev.scalegram.server;
