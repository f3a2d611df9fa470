package io.keel.websocket.protocol;

import io.keel.websocket.http.HttpParseException;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.http.HttpUpgradeRequestParser;
import java.nio.ByteBuffer;

/**
 * Per-connection incremental server handshake: feed it the bytes read from the socket until it returns
 * something other than {@link HandshakeResult.NeedMoreData}. It consumes exactly the request head (plus the
 * 8-byte body for Hixie-76); bytes after that stay in the buffer and belong to the WebSocket session (or, for
 * {@link HandshakeResult.NotWebSocket}, to whatever follows the GET).
 */
public final class Handshaker {
    private final HandshakeConfig cfg;
    private final HttpUpgradeRequestParser parser;
    private HttpRequest hixieRequest;
    private byte[] key3;
    private int key3Len;
    private HandshakeResult result;

    /**
     * A handshaker for one connection.
     *
     * @param cfg the server's settings; its {@code maxHeaderBytes} bounds the request head
     * @throws NullPointerException when {@code cfg} is null
     */
    public Handshaker(HandshakeConfig cfg) {
        this.cfg = cfg;
        this.parser = new HttpUpgradeRequestParser(cfg.maxHeaderBytes());
    }

    /** The final result once reached (null before). */
    public HandshakeResult result() {
        return result;
    }

    /**
     * Feeds the bytes read so far (RFC 6455 section 4.2 for HyBi-07/08/13, draft-hixie-76 sections 5.1 and 5.2).
     * Consumes from {@code in}'s position what belongs to the handshake and no more: bytes after the request head
     * (and, for Hixie-76, its 8-byte body) stay in {@code in}. {@code in} is not kept: what is needed is copied, and
     * the caller may reuse it once the call returns. Once a final result is reached, every later call returns it
     * again and consumes nothing.
     *
     * @param in the input, from its position to its limit
     * @return {@link HandshakeResult.NeedMoreData} until the head (and Hixie-76 body) is complete, then the final
     *     result: {@link HandshakeResult.Accepted}, {@link HandshakeResult.Rejected} (malformed or refused; the
     *     response to write is in it) or {@link HandshakeResult.NotWebSocket}
     */
    public HandshakeResult receive(ByteBuffer in) {
        if (result != null) {
            return result;
        }
        if (hixieRequest == null) {
            HttpRequest req;
            try {
                req = parser.parse(in);
            } catch (HttpParseException e) {
                return result = new HandshakeResult.Rejected(e.status(), e.getMessage(), null, e.response());
            }
            if (req == null) {
                return HandshakeResult.NeedMoreData.INSTANCE;
            }
            HandshakeResult r = Handshake.check(req, cfg);
            if (r != null) {
                return result = r;
            }
            hixieRequest = req;
            key3 = new byte[Handshake.HIXIE76_KEY3_LENGTH];
        }
        int n = Math.min(in.remaining(), key3.length - key3Len);
        in.get(key3, key3Len, n);
        key3Len += n;
        if (key3Len < key3.length) {
            return HandshakeResult.NeedMoreData.INSTANCE;
        }
        return result = Handshake.acceptHixie76(hixieRequest, key3, cfg);
    }
}
