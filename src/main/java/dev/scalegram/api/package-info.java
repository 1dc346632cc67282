/**
 * The Mastodon-compatible REST API and OAuth2, so existing Mastodon apps and client libraries work against Scalegram.
 * Handlers parse and check input ({@link dev.scalegram.api.Params}), call one use case, and render Mastodon's entity
 * shapes ({@link dev.scalegram.api.Entities}); errors are {@code {"error": "..."}} with Mastodon's status codes.
 */
package dev.scalegram.api;
