package io.keel.websocket.protocol;

import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.protocol.deflate.DeflateAgreement;

/** Outcome of feeding bytes to a {@link Handshaker}. Switch over it with pattern matching. */
public sealed interface HandshakeResult
        permits HandshakeResult.NeedMoreData, HandshakeResult.Accepted, HandshakeResult.Rejected, HandshakeResult.NotWebSocket {

    /** The request (or the Hixie-76 key bytes) is incomplete: read more and call again. */
    enum NeedMoreData implements HandshakeResult { INSTANCE }

    /**
     * Upgrade accepted: write {@code response} (the 101 head; for Hixie-76 followed by the 16-byte challenge
     * answer) and switch the connection to a {@link WebSocketSession} for {@code version}. Bytes left in the
     * input buffer are already WebSocket frames. {@code deflate} is the permessage-deflate agreement (RFC 7692),
     * null when none was negotiated.
     */
    record Accepted(ProtocolVersion version, HttpRequest request, String subprotocol, String origin, byte[] response,
                    DeflateAgreement deflate)
            implements HandshakeResult {
    }

    /**
     * Refused: write {@code response} (an error with {@code Connection: close}) then close the connection.
     * {@code request} is null when the request could not be parsed.
     */
    record Rejected(int status, String reason, HttpRequest request, byte[] response) implements HandshakeResult {
    }

    /**
     * A well-formed GET that does not ask for a WebSocket upgrade and carries none of its handshake headers (a
     * handshake without {@code Upgrade: websocket} is {@link Rejected} with 400): the glue should serve it as plain
     * HTTP (e.g. a small page, see {@link io.keel.websocket.http.HttpResponses#ok}).
     */
    record NotWebSocket(HttpRequest request) implements HandshakeResult {
    }
}
