package io.keel.websocket.protocol.deflate;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one server's permessage-deflate traffic: bytes on the wire (compressed) and bytes the application
 * saw (uncompressed), each way, and the dedicated codecs alive. Only compressed messages are counted. Safe from
 * any thread; each read is a sum at the time of the call.
 */
public final class DeflateStats {
    final LongAdder compressedIn = new LongAdder();
    final LongAdder inflatedIn = new LongAdder();
    final LongAdder uncompressedOut = new LongAdder();
    final LongAdder compressedOut = new LongAdder();
    final LongAdder liveCodecs = new LongAdder();
    final LongAdder dedicated = new LongAdder();
    final LongAdder shared = new LongAdder();

    /** Counters at zero. */
    public DeflateStats() {
    }

    /** Payload bytes of compressed messages received, as they came on the wire (RSV1 set). */
    public long compressedBytesIn() {
        return compressedIn.sum();
    }

    /** What the compressed messages received inflated to. */
    public long uncompressedBytesIn() {
        return inflatedIn.sum();
    }

    /** Payload bytes of the messages sent compressed, before compression. */
    public long uncompressedBytesOut() {
        return uncompressedOut.sum();
    }

    /** Payload bytes of the messages sent compressed, as they went on the wire. */
    public long compressedBytesOut() {
        return compressedOut.sum();
    }

    /**
     * Compressors and decompressors of dedicated connections alive now (each holds native zlib memory until its
     * connection closes); the per-loop shared ones are not counted.
     */
    public long liveCodecs() {
        return liveCodecs.sum();
    }

    /** Handshakes that negotiated {@link DeflateMode#DEDICATED}. */
    public long dedicatedNegotiated() {
        return dedicated.sum();
    }

    /** Handshakes that negotiated {@link DeflateMode#SHARED} (also dedicated ones past the memory budget). */
    public long sharedNegotiated() {
        return shared.sum();
    }

    /**
     * Counts a message received compressed.
     *
     * @param compressed its payload bytes on the wire
     * @param inflated what they inflated to
     */
    public void countIn(long compressed, long inflated) {
        compressedIn.add(compressed);
        inflatedIn.add(inflated);
    }

    /**
     * Counts a message sent compressed.
     *
     * @param uncompressed its payload bytes before compression
     * @param compressed its payload bytes on the wire
     */
    public void countOut(long uncompressed, long compressed) {
        uncompressedOut.add(uncompressed);
        compressedOut.add(compressed);
    }
}
