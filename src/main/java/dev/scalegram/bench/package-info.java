/**
 * Benchmarks: the load generator ({@link dev.scalegram.bench.LoadGenerator}: open loop with coordinated-omission
 * correction, or closed loop; HdrHistogram percentiles), bulk datasets, and the scenarios behind
 * {@code scalegram bench} ({@code counter}, {@code herd}, {@code timeline}, {@code fanout}, {@code mix},
 * {@code upload}), each of which writes a JSON result and an SVG chart.
 * See docs/benchmarks.md for the latest numbers.
 */
package dev.scalegram.bench;
