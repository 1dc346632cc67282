/**
 * Photos: upload validation and the blob store. Originals are stored once, content-addressed, and served with
 * long-lived cache headers; resizing into sizes comes with the media pipeline.
 */
package dev.scalegram.media;
