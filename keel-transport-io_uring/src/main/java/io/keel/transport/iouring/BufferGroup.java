package io.keel.transport.iouring;

import java.nio.ByteBuffer;

/**
 * The calls {@link IoUringTransport} makes on its provided-buffer group (the seam beside {@link Ring}):
 * {@link ProvidedBufferRing} in production. A completion with {@link IoUring#CQE_F_BUFFER} lends buffer
 * {@link IoUring#bufferId(int)} to the transport until it calls {@link #recycle(int)}.
 */
interface BufferGroup {
    /** See {@link ProvidedBufferRing#buffer(int, int)}. */
    ByteBuffer buffer(int bufferId, int length);

    /** See {@link ProvidedBufferRing#recycle(int)}. */
    void recycle(int bufferId);

    /** See {@link ProvidedBufferRing#close()}. */
    void close();
}
