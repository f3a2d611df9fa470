package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Where a {@link WebSocketSession} writes frames. Implemented by the socket glue. One call = one frame (or, for
 * Hixie-76 streaming sends, a piece of one): write {@code prefix}, then {@code payload}, then {@code suffix}
 * (each may have no remaining bytes). The buffers belong to the session or the app and are only valid during
 * the call: gather-write them, and copy whatever could not be written before returning. Positions may be moved.
 */
public interface OutputSink {
    /**
     * Writes one frame, whole or not at all.
     *
     * @param control true for a control frame (close, ping, pong: RFC 6455 section 5.5), which the protocol
     *     requires to get through even when the data queue is full: the sink should not refuse it for the data
     *     queue limit
     * @return true when the frame was accepted (written or queued whole); false when it was refused and nothing
     *     of it was written (the session then does not count it as sent)
     */
    boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, boolean control);
}
