package io.keel.websocket.protocol.deflate;

/**
 * What a handshake agreed for permessage-deflate (RFC 7692 section 7.1), and the answer it sent.
 *
 * @param dedicated true: the connection has codecs of its own ({@link DeflateMode#DEDICATED}, a
 *     {@link DeflateMemoryBudget} reservation to give back when it closes); false: the event loop's shared ones
 * @param serverNoContextTakeover the server compresses every message on its own (section 7.1.1.1)
 * @param clientNoContextTakeover the client compresses every message on its own (section 7.1.1.2)
 * @param response the {@code Sec-WebSocket-Extensions} value answered, e.g.
 *     {@code permessage-deflate; server_no_context_takeover; client_no_context_takeover}
 */
public record DeflateAgreement(boolean dedicated, boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                               String response) {
    /** The answer of {@link DeflateMode#SHARED}: neither side keeps context between messages. */
    public static final DeflateAgreement SHARED = new DeflateAgreement(false, true, true,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
}
