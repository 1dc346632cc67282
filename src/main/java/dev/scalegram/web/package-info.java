/**
 * What browsers fetch directly: the server-rendered web UI ({@link dev.scalegram.web.WebUi}: jte templates from
 * src/main/jte, compiled at build time, filled from the same use cases as the API), its sessions and form tokens
 * ({@link dev.scalegram.web.Sessions}), and static assets (the stylesheet, htmx from its WebJar, default images).
 */
package dev.scalegram.web;
