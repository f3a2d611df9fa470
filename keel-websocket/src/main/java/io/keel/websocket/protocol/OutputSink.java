package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Where a {@link WebSocketSession} writes frames. Implemented by the socket glue. One call = one frame (or, for
 * Hixie-76 streaming sends, a piece of one): write {@code prefix}, then {@code payload}, then {@code suffix}
 * (each may have no remaining bytes). The buffers belong to the session or the app and are only valid during
 * the call: gather-write them, and copy whatever could not be written before returning. Positions may be moved.
 *
 * @param <R> the transport's send status, returned by the session's sends, so that it needs no side channel
 */
public interface OutputSink<R> {
    /**
     * Writes one frame, whole or not at all.
     *
     * @param opcode the frame's opcode ({@link Opcode}; for Hixie-76, {@link Opcode#TEXT} for text and
     *     {@link Opcode#CLOSE} for the closing handshake). Control frames (RFC 6455 section 5.5: close, ping,
     *     pong) are frames the protocol requires to get through even when the data queue is full: the sink should
     *     not refuse them for the data queue limit (and bound pings and pongs some other way)
     * @return the transport's status for the frame (for keel's connections a {@code SendStatus}), handed back
     *     unchanged by the session's send; null when it was refused and nothing of it was written (the session
     *     then does not count it as sent)
     */
    R writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode);
}
