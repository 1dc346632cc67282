package dev.scalegram.media;

/** The pure-Java pipeline against the processor contract. */
class JavaImageProcessorTest extends ImageProcessorContract {

    @Override
    ImageProcessor processor() {
        return new JavaImageProcessor();
    }
}
