package io.keel.websocket.protocol;

import io.keel.websocket.http.HttpHeaders;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.http.HttpResponses;
import io.keel.websocket.protocol.deflate.DeflateAgreement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * Stateless server-side handshake rules: version detection (Netty's rule), header validation and the
 * 101 response for RFC 6455 / HyBi-07/08 / Hixie-76. {@link Handshaker} drives this incrementally.
 *
 * <p>Order of checks: not an {@code Upgrade: websocket} → 400 if the request carries a WebSocket handshake header
 * ({@code Sec-WebSocket-Key}, {@code -Version}, {@code -Key1} or {@code -Key2}), else
 * {@link HandshakeResult.NotWebSocket}; {@code Connection} lacks {@code upgrade} → 400; not HTTP/1.1 → 400; no
 * {@code Host} → 400; then the version: {@code Sec-WebSocket-Version} 13/8/7 → that version (426 if disabled);
 * absent with {@code Sec-WebSocket-Key1} and {@code Key2} → Hixie-76 (400 if disabled); anything else → 426 with
 * {@code Sec-WebSocket-Version: 13, 8, 7} (and {@code Upgrade: websocket}, see {@link HttpResponses#error}).
 *
 * <p>Host: for an absolute-form request-target the URI's authority replaces the {@code Host} header (RFC 9112
 * section 3.2.2), through {@link HttpRequest#host()}; the {@code Host} header must still be present exactly once
 * (RFC 9112 section 3.2), but its value is then ignored. Origin checks do not involve the host at all: the
 * validator is given the origin alone.
 */
public final class Handshake {
    public static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Length of the Hixie-76 request body (key3). */
    public static final int HIXIE76_KEY3_LENGTH = 8;
    private static final byte[] GUID_BYTES = GUID.getBytes(StandardCharsets.ISO_8859_1);

    /**
     * One digest of each kind per thread (handshakes run on event-loop threads), instead of a
     * {@code MessageDigest.getInstance} lookup and a new engine per handshake; {@code digest()} resets them.
     * These stay thread-local, unlike the session's {@link FrameScratch}: a digest holds no state between calls
     * (a pure cache, used and reset within one static call), so which thread shares it changes nothing, and the
     * static {@code Handshake} API needs no scratch parameter. (Public methods of this class are called from any
     * thread, so a per-loop object would need one more argument through {@link Handshaker} for no gain.)
     */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> newDigest("SHA-1"));
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> newDigest("MD5"));

    private Handshake() {
    }

    /**
     * Headers that only a WebSocket opening handshake carries (RFC 6455 section 4.1, draft-hixie-76 section 4.1):
     * a request with one of them is a handshake attempt, whatever its {@code Upgrade} says.
     */
    private static final String[] HANDSHAKE_HEADERS = {
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Key1", "Sec-WebSocket-Key2",
    };

    /**
     * Checks a parsed request (see the class comment for the order of the checks).
     *
     * @param req the parsed request head
     * @param cfg the server's settings
     * @return a final result, or null if it is a valid Hixie-76 request that still needs its 8-byte body: then call
     *         {@link #acceptHixie76}
     */
    public static HandshakeResult check(HttpRequest req, HandshakeConfig cfg) {
        HttpHeaders h = req.headers();
        if (!h.containsToken("Upgrade", "websocket")) {
            String handshakeHeader = firstPresent(h, HANDSHAKE_HEADERS);
            if (handshakeHeader == null) {
                return new HandshakeResult.NotWebSocket(req);
            }
            // RFC 6455 section 4.2.1: a handshake without "Upgrade: websocket" gets an error such as 400. Served as
            // a page instead, a client (or a proxy that dropped the hop-by-hop Upgrade) would see a 200 that does
            // not say why its upgrade failed.
            return reject(400, "WebSocket handshake header " + handshakeHeader
                    + (h.contains("Upgrade") ? " sent with an Upgrade header that does not list 'websocket'"
                        : " sent without 'Upgrade: websocket'")
                    + " (RFC 6455 section 4.2.1)", req);
        }
        if (!h.containsToken("Connection", "upgrade")) {
            return reject(400, "Connection header must contain 'Upgrade'", req);
        }
        if (!"HTTP/1.1".equals(req.version())) {
            return reject(400, "WebSocket upgrade requires HTTP/1.1", req);
        }
        if (h.count("Host") != 1 || h.get("Host").isEmpty()) {
            return reject(400, "Missing or duplicate Host header", req);
        }
        int versions = h.count("Sec-WebSocket-Version");
        if (versions == 0) {
            if (h.contains("Sec-WebSocket-Key1") && h.contains("Sec-WebSocket-Key2")) {
                if (!cfg.isEnabled(ProtocolVersion.HIXIE_76)) {
                    return reject(400, "Hixie-76 is not supported", req);
                }
                return checkHixie76(req);
            }
            return upgradeRequired(cfg, "Missing Sec-WebSocket-Version", req);
        }
        ProtocolVersion v = null;
        if (versions == 1) {
            String s = h.get("Sec-WebSocket-Version");
            // RFC 6455's grammar has no leading zeros ("08" is not 8): compared as the exact token, as Netty does
            if (s.length() <= 3 && !s.isEmpty() && isDigits(s) && (s.length() == 1 || s.charAt(0) != '0')) {
                v = ProtocolVersion.ofWireVersion(Integer.parseInt(s));
            }
        }
        if (v == null || !cfg.isEnabled(v)) {
            return upgradeRequired(cfg, "Unsupported Sec-WebSocket-Version", req);
        }
        return acceptHybi(req, v, cfg);
    }

    /** The first of {@code names} present in {@code h}, or null. */
    private static String firstPresent(HttpHeaders h, String[] names) {
        for (String n : names) {
            if (h.contains(n)) {
                return n;
            }
        }
        return null;
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static HandshakeResult upgradeRequired(HandshakeConfig cfg, String reason, HttpRequest req) {
        return new HandshakeResult.Rejected(426, reason, req,
                HttpResponses.upgradeRequired(cfg.supportedVersionsHeader(), reason));
    }

    private static HandshakeResult.Rejected reject(int status, String reason, HttpRequest req) {
        return new HandshakeResult.Rejected(status, reason, req, HttpResponses.error(status, reason));
    }

    private static HandshakeResult acceptHybi(HttpRequest req, ProtocolVersion v, HandshakeConfig cfg) {
        HttpHeaders h = req.headers();
        String key = h.count("Sec-WebSocket-Key") == 1 ? h.get("Sec-WebSocket-Key") : null;
        if (!isValidKey(key)) {
            return reject(400, "Missing or invalid Sec-WebSocket-Key", req);
        }
        String origin = v == ProtocolVersion.RFC_6455 ? h.get("Origin")
                : (h.contains("Sec-WebSocket-Origin") ? h.get("Sec-WebSocket-Origin") : h.get("Origin"));
        if (cfg.originValidator() != null && !cfg.originValidator().test(origin)) {
            return reject(403, "Origin not allowed", req);
        }
        String sub = selectSubprotocol(h, cfg);
        StringBuilder sb = new StringBuilder(160);
        sb.append("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ").append(acceptKey(key)).append("\r\n");
        if (sub != null) {
            sb.append("Sec-WebSocket-Protocol: ").append(sub).append("\r\n");
        }
        // last: a dedicated agreement reserves memory, and nothing after this refuses the upgrade
        DeflateAgreement deflate = v == ProtocolVersion.RFC_6455 && cfg.deflate() != null
                ? cfg.deflate().negotiate(h.getAll("Sec-WebSocket-Extensions")) : null;
        if (deflate != null) {
            sb.append("Sec-WebSocket-Extensions: ").append(deflate.response()).append("\r\n");
        }
        sb.append("\r\n");
        return new HandshakeResult.Accepted(v, req, sub, origin, sb.toString().getBytes(StandardCharsets.ISO_8859_1),
                deflate);
    }

    private static String selectSubprotocol(HttpHeaders h, HandshakeConfig cfg) {
        if (cfg.subprotocolSelector() == null) {
            return null;
        }
        List<String> offered = h.tokens("Sec-WebSocket-Protocol");
        if (offered.isEmpty()) {
            return null;
        }
        String chosen = cfg.subprotocolSelector().apply(List.copyOf(offered));
        return chosen != null && offered.contains(chosen) ? chosen : null;
    }

    private static HandshakeResult checkHixie76(HttpRequest req) {
        HttpHeaders h = req.headers();
        if (h.count("Sec-WebSocket-Key1") != 1 || h.count("Sec-WebSocket-Key2") != 1
                || hixie76KeyNumber(h.get("Sec-WebSocket-Key1")) < 0 || hixie76KeyNumber(h.get("Sec-WebSocket-Key2")) < 0) {
            return reject(400, "Invalid Sec-WebSocket-Key1/Key2", req);
        }
        if (h.get("Origin") == null) {
            return reject(400, "Hixie-76 requires an Origin header", req);
        }
        return null;
    }

    /**
     * Completes a Hixie-76 handshake that {@link #check} accepted (returned null) given the 8-byte body. The
     * {@code Sec-WebSocket-Location} is the request's own URL: {@link #locationScheme}, {@link HttpRequest#host()}
     * (the absolute-form authority, else {@code Host}) and the origin-form target (draft-hixie-76 section 5.2).
     *
     * @param req  the request {@link #check} returned null for
     * @param key3 the 8 bytes after the header block
     * @param cfg  the server's settings
     * @return the 101 (followed by the 16-byte challenge answer), or a 400/403 rejection
     * @throws IllegalArgumentException if {@code key3} is not 8 bytes
     */
    public static HandshakeResult acceptHixie76(HttpRequest req, byte[] key3, HandshakeConfig cfg) {
        HttpHeaders h = req.headers();
        HandshakeResult pre = checkHixie76(req);
        if (pre != null) {
            return pre;
        }
        String origin = h.get("Origin");
        if (cfg.originValidator() != null && !cfg.originValidator().test(origin)) {
            return reject(403, "Origin not allowed", req);
        }
        byte[] challenge = hixie76Challenge(hixie76KeyNumber(h.get("Sec-WebSocket-Key1")),
                hixie76KeyNumber(h.get("Sec-WebSocket-Key2")), key3);
        String sub = selectSubprotocol(h, cfg);
        StringBuilder sb = new StringBuilder(200);
        sb.append("HTTP/1.1 101 WebSocket Protocol Handshake\r\n")
                .append("Upgrade: WebSocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Origin: ").append(origin).append("\r\n")
                .append("Sec-WebSocket-Location: ").append(locationScheme(req, cfg)).append("://")
                .append(req.host()).append(req.target()).append("\r\n");
        if (sub != null) {
            sb.append("Sec-WebSocket-Protocol: ").append(sub).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[head.length + challenge.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(challenge, 0, out, head.length, challenge.length);
        return new HandshakeResult.Accepted(ProtocolVersion.HIXIE_76, req, sub, origin, out, null);
    }

    /**
     * The scheme of the Hixie-76 {@code Sec-WebSocket-Location}, which the client compares with the URL it opened
     * (draft-hixie-76 section 4.1): for an absolute-form target the one the client wrote ({@code wss} for
     * {@code wss} and {@code https}, else {@code ws}), because that is its URL even when a TLS-terminating proxy
     * hands it to us in the clear; otherwise whether this connection is TLS.
     */
    private static String locationScheme(HttpRequest req, HandshakeConfig cfg) {
        boolean secure = req.scheme() != null
                ? req.scheme().equals("wss") || req.scheme().equals("https")
                : cfg.secure();
        return secure ? "wss" : "ws";
    }

    /** True if the value is base64 of exactly 16 bytes. */
    public static boolean isValidKey(String key) {
        if (key == null || key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code base64(SHA-1(key + GUID))} (RFC 6455 section 4.2.2). */
    public static String acceptKey(String secWebSocketKey) {
        MessageDigest sha1 = SHA1.get();
        sha1.update(secWebSocketKey.getBytes(StandardCharsets.ISO_8859_1));
        byte[] d = sha1.digest(GUID_BYTES);
        return Base64.getEncoder().encodeToString(d);
    }

    /**
     * The Hixie-76 key number: the key's digits as a number divided by its number of spaces. Returns -1 if
     * there are no spaces, no digits, the division is not exact or the result does not fit in 32 bits.
     */
    public static long hixie76KeyNumber(String key) {
        long digits = 0;
        int nDigits = 0;
        int spaces = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++nDigits > 18) {
                    return -1;
                }
                digits = digits * 10 + (c - '0');
            } else if (c == ' ') {
                spaces++;
            }
        }
        if (spaces == 0 || nDigits == 0 || digits % spaces != 0) {
            return -1;
        }
        long n = digits / spaces;
        return n > 0xFFFFFFFFL ? -1 : n;
    }

    /** MD5 over key1 and key2 numbers (32-bit big-endian) followed by the 8-byte key3. */
    public static byte[] hixie76Challenge(long key1, long key2, byte[] key3) {
        if (key3.length != HIXIE76_KEY3_LENGTH) {
            throw new IllegalArgumentException("key3 must be 8 bytes");
        }
        byte[] in = new byte[16];
        for (int i = 0; i < 4; i++) {
            in[i] = (byte) (key1 >>> (24 - 8 * i));
            in[4 + i] = (byte) (key2 >>> (24 - 8 * i));
        }
        System.arraycopy(key3, 0, in, 8, 8);
        return MD5.get().digest(in);
    }

    private static MessageDigest newDigest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " unavailable", e);
        }
    }
}
