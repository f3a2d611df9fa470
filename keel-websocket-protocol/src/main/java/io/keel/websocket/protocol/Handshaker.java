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

    public Handshaker(HandshakeConfig cfg) {
        this.cfg = cfg;
        this.parser = new HttpUpgradeRequestParser(cfg.maxHeaderBytes());
    }

    /** The final result once reached (null before). */
    public HandshakeResult result() {
        return result;
    }

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
