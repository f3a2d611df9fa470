package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * The buffers a {@link WebSocketSession} encodes a frame's header (and a close payload) into before handing them
 * to its {@link OutputSink}: a frame is written and handed over within one call, so the sessions driven by one
 * thread (an event loop drives many) share one, and an idle session holds none of its own. The owner of the
 * thread creates it and gives it to each session it drives (keel-websocket keeps one per event loop), so which
 * sessions share it is explicit rather than hidden in a {@code ThreadLocal}.
 *
 * <p>Not thread-safe: every session sharing one must be driven by the same thread, one call at a time. Each
 * method below returns one of the buffers ready to read; it is valid until the next call on this object.
 */
public final class FrameScratch {
    /** Or-ed into {@link #hybiHeader}'s opcode: sets RSV1, a compressed message's first frame (RFC 7692 §6). */
    static final int RSV1 = 0x40;
    private final ByteBuffer header = ByteBuffer.allocate(HybiFrameEncoder.MAX_HEADER_SIZE);
    private final ByteBuffer suffix = ByteBuffer.allocate(1);
    private final ByteBuffer empty = ByteBuffer.allocate(0);
    private final ByteBuffer closePayload = ByteBuffer.allocate(125);

    /** Allocates the buffers (about 150 bytes); make one per driving thread, not one per session. */
    public FrameScratch() {
    }

    /**
     * A HyBi frame header (RFC 6455 section 5.2, server side: unmasked) for a payload of {@code length} bytes;
     * {@code opcode} may carry {@link #RSV1}.
     */
    ByteBuffer hybiHeader(boolean fin, int opcode, long length) {
        header.clear();
        HybiFrameEncoder.writeHeader(header, fin, opcode & 0x0F, length);
        if ((opcode & RSV1) != 0) {
            header.put(0, (byte) (header.get(0) | RSV1));
        }
        return header.flip();
    }

    /**
     * The bytes in front of a piece of a Hixie-76 text frame: {@code 0x00} for the first piece, then
     * {@code 0xFF} of the text frame being streamed if {@code endStreamed} (before a close), then the close
     * frame {@code 0xFF 0x00} if {@code close}.
     */
    ByteBuffer hixiePrefix(boolean first, boolean endStreamed, boolean close) {
        header.clear();
        if (first) {
            header.put(Hixie76FrameEncoder.TEXT_START);
        }
        if (endStreamed) {
            header.put(Hixie76FrameEncoder.TEXT_END);
        }
        if (close) {
            Hixie76FrameEncoder.writeClose(header);
        }
        return header.flip();
    }

    /** The {@code 0xFF} that ends a Hixie-76 text frame if {@code last}, else nothing. */
    ByteBuffer hixieSuffix(boolean last) {
        suffix.clear();
        if (last) {
            suffix.put(Hixie76FrameEncoder.TEXT_END);
        }
        return suffix.flip();
    }

    /** No bytes. */
    ByteBuffer empty() {
        return empty.clear();
    }

    /** A close frame's payload (RFC 6455 section 5.5.1): the 2-byte {@code code}, then {@code reasonUtf8}. */
    ByteBuffer closePayload(int code, byte[] reasonUtf8) {
        closePayload.clear();
        HybiFrameEncoder.writeClosePayload(closePayload, code, reasonUtf8);
        return closePayload.flip();
    }

    /** A close frame's payload of only the 2-byte {@code code} (the echo of a peer's close, or an error). */
    ByteBuffer closeCode(int code) {
        closePayload.clear();
        closePayload.put((byte) (code >>> 8)).put((byte) code);
        return closePayload.flip();
    }
}
