package dev.scalegram.media;

/**
 * libvips against the processor contract. libvips is required here, not optional: ./scalegram test installs Debian's
 * libvips42, and a machine without it fails these tests with the message saying what to install.
 */
class VipsImageProcessorTest extends ImageProcessorContract {

    @Override
    ImageProcessor processor() {
        return VipsImageProcessor.load();
    }
}
