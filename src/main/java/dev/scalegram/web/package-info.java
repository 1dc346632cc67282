/** What browsers fetch directly: static assets now; the server-rendered web UI arrives with the media pipeline. */
package dev.scalegram.web;
