package io.keel.websocket.protocol.deflate;

import java.nio.ByteBuffer;

/**
 * The per-thread part of permessage-deflate: the output buffers every codec of one event loop writes into, and
 * that loop's {@link DeflateMode#SHARED} codec. Like {@link io.keel.websocket.protocol.FrameScratch}, one per
 * driving thread (keel-websocket keeps one per event loop); a compressed message is produced and handed to the
 * sink, or inflated and handed to the application, within one call, so the buffers are free again after it.
 *
 * <p>Not thread-safe: every codec using one must run on the same thread.
 */
public final class DeflateScratch {
    /** Inflated output is produced and checked against the message limit in chunks of this many bytes. */
    public static final int INFLATE_CHUNK = 32 * 1024;
    /** A compression buffer grown above this for one large message is dropped after it. */
    static final int KEEP_OUTPUT_BELOW = 1 << 20;

    private final ByteBuffer inflateChunk = ByteBuffer.allocate(INFLATE_CHUNK);
    private ByteBuffer deflateOut = ByteBuffer.allocate(16 * 1024);
    private PerMessageDeflate shared;

    /** Empty buffers (about 48 KiB) and no codec yet; make one per driving thread. */
    public DeflateScratch() {
    }

    /** This thread's shared codec ({@link DeflateMode#SHARED}), made on first use; never released. */
    public PerMessageDeflate shared() {
        PerMessageDeflate s = shared;
        if (s == null) {
            s = shared = new PerMessageDeflate(this, DeflateAgreement.SHARED, null);
        }
        return s;
    }

    /** The chunk inflated output goes into, cleared. */
    ByteBuffer inflateChunk() {
        return inflateChunk.clear();
    }

    /** The compression output buffer, cleared, with room for at least {@code bytes}. */
    ByteBuffer deflateOut(int bytes) {
        if (deflateOut.capacity() < bytes || deflateOut.capacity() > KEEP_OUTPUT_BELOW) {
            deflateOut = ByteBuffer.allocate(Math.max(bytes, 16 * 1024));
        }
        return deflateOut.clear();
    }

    /** A buffer twice as large holding {@code full}'s bytes (position at their end): compression needs more room. */
    ByteBuffer growDeflateOut(ByteBuffer full) {
        ByteBuffer b = ByteBuffer.allocate(full.capacity() * 2);
        b.put(full.flip());
        deflateOut = b;
        return b;
    }
}
