/**
 * Photos: upload checks (type from the bytes, pixel count from the header, completeness), the sizes made once at
 * upload ({@link dev.scalegram.media.ImageProcessor}: EXIF orientation applied, metadata left out, a BlurHash), the
 * content-addressed blob store served with long-lived cache headers, and media URLs (optionally on a CDN).
 */
package dev.scalegram.media;
