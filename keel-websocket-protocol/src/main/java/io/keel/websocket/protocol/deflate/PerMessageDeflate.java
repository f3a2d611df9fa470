package io.keel.websocket.protocol.deflate;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One permessage-deflate codec (RFC 7692 section 7.2): a raw-DEFLATE compressor and decompressor (the JDK's zlib,
 * {@code nowrap}, 15-bit window, memory level 8), made on first use. {@link DeflateMode#SHARED}: one per event
 * loop ({@link DeflateScratch#shared()}), reset after every message, serving every connection of the loop.
 * {@link DeflateMode#DEDICATED}: one per connection ({@link #dedicated}), keeping the window between messages
 * unless the agreement says otherwise, released by {@link #end()} when its connection closes.
 *
 * <p>Not thread-safe: use it on its scratch's thread only. Buffers returned are the scratch's, valid until the
 * next call on any codec of that scratch.
 */
public final class PerMessageDeflate {
    /** The tail every sync flush ends with, removed on send and added back on receive (section 7.2.1, 7.2.2). */
    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};
    private static final byte[] NONE = new byte[0];
    /** An empty message compressed: one empty block without the tail (RFC 7692 section 7.2.3.6). */
    private static final byte EMPTY_BLOCK = 0;

    private final DeflateScratch scratch;
    private final DeflateAgreement agreement;
    private final DeflateStats stats; // null for a shared codec: its native memory is per loop, not counted
    private Deflater deflater;
    private Inflater inflater;
    private boolean ended;

    PerMessageDeflate(DeflateScratch scratch, DeflateAgreement agreement, DeflateStats stats) {
        this.scratch = scratch;
        this.agreement = agreement;
        this.stats = stats;
    }

    /**
     * A connection's own codec. Its zlib state is made at the first message that needs it (counted in
     * {@link DeflateStats#liveCodecs()}) and freed by {@link #end()}.
     *
     * @param scratch the driving thread's buffers
     * @param agreement what the handshake agreed
     * @param stats where live codecs are counted
     * @return a codec holding no zlib state yet
     */
    public static PerMessageDeflate dedicated(DeflateScratch scratch, DeflateAgreement agreement, DeflateStats stats) {
        return new PerMessageDeflate(scratch, agreement, stats);
    }

    /** What the handshake agreed ({@link DeflateAgreement#SHARED} for a shared codec). */
    public DeflateAgreement agreement() {
        return agreement;
    }

    /** True for a connection's own codec. */
    public boolean isDedicated() {
        return stats != null;
    }

    /**
     * Compresses one whole message (section 7.2.1): DEFLATE blocks ending in a sync flush, whose
     * {@code 00 00 FF FF} tail is removed.
     *
     * @param payload the message, position to limit; read, its position is left where it was
     * @return the compressed payload in the scratch's buffer, ready to read, valid until the next call
     * @throws IllegalStateException after {@link #end()}
     */
    public ByteBuffer compress(ByteBuffer payload) {
        Deflater d = deflater;
        if (d == null) {
            counted(1);
            d = deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        }
        int p = payload.position();
        int n = payload.remaining();
        ByteBuffer out = scratch.deflateOut(n + (n >> 10) + 64);
        if (n == 0) {
            return out.put(EMPTY_BLOCK).flip(); // zlib flushes nothing for no input
        }
        d.setInput(payload);
        try {
            while (true) {
                d.deflate(out, Deflater.SYNC_FLUSH);
                if (out.hasRemaining()) {
                    break; // the flush is complete once the output was not filled
                }
                out = scratch.growDeflateOut(out);
            }
        } finally {
            payload.position(p);
            d.setInput(NONE); // not keeping the application's buffer reachable
            if (agreement.serverNoContextTakeover()) {
                d.reset();
            }
        }
        out.flip();
        if (out.remaining() >= 4 && out.getInt(out.limit() - 4) == 0x0000FFFF) {
            out.limit(out.limit() - 4);
        }
        return out;
    }

    /**
     * The decompressor for a message about to be inflated, made on first use; give it the message's payload, then
     * {@link #tail()}, then call {@link #messageInflated(boolean)}.
     *
     * @return the zlib decompressor
     * @throws IllegalStateException after {@link #end()}
     */
    public Inflater inflater() {
        Inflater i = inflater;
        if (i == null) {
            counted(1);
            i = inflater = new Inflater(true);
        }
        return i;
    }

    /** The {@code 00 00 FF FF} to append to a received message's payload (section 7.2.2); do not change it. */
    public static byte[] tail() {
        return TAIL;
    }

    /** The scratch's output chunk for inflating, cleared ({@link DeflateScratch#INFLATE_CHUNK} bytes). */
    public ByteBuffer inflateChunk() {
        return scratch.inflateChunk();
    }

    /**
     * The message was inflated (or failed): a shared codec, or the client's no-context-takeover, starts the next
     * message with an empty window; the input buffer is not kept either way.
     *
     * @param failed true after corrupt data: the decompressor is reset whatever the agreement
     */
    public void messageInflated(boolean failed) {
        Inflater i = inflater;
        if (i == null) {
            return;
        }
        if (failed || agreement.clientNoContextTakeover() || i.finished()) {
            i.reset(); // a final block (BFINAL) ends the stream: the next message starts a new one
        } else {
            i.setInput(NONE);
        }
    }

    /**
     * Frees the zlib state (dedicated codecs; a shared codec lives as long as its loop and ignores this). Safe to
     * call twice.
     */
    public void end() {
        if (stats == null || ended) {
            return;
        }
        ended = true;
        if (deflater != null) {
            deflater.end();
            deflater = null;
            stats.liveCodecs.decrement();
        }
        if (inflater != null) {
            inflater.end();
            inflater = null;
            stats.liveCodecs.decrement();
        }
    }

    /** A zlib object was made: refused after {@link #end()} (it would never be freed), counted if dedicated. */
    private void counted(int delta) {
        if (ended) {
            throw new IllegalStateException("codec released");
        }
        if (stats != null) {
            stats.liveCodecs.add(delta);
        }
    }
}
