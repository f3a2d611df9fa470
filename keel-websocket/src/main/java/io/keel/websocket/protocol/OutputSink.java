package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Where a {@link WebSocketSession} writes frames. Implemented by the socket glue. One call = one frame (or, for
 * Hixie-76 streaming sends, a piece of one): write {@code prefix}, then {@code payload}, then {@code suffix}
 * (each may have no remaining bytes). The buffers belong to the session or the app and are only valid during
 * the call: gather-write them, and copy whatever could not be written before returning. Positions may be moved.
 */
public interface OutputSink {
    void writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix);
}
