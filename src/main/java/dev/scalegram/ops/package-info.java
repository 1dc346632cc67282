/** Operations: health and readiness, Prometheus metrics, request timing per endpoint. */
package dev.scalegram.ops;
