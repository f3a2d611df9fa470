package io.keel.websocket.protocol;

/**
 * RFC 6455 section 7.4 close status codes and the validity rules applied to codes received from a peer.
 *
 * <p>Received codes accepted: 1000-1003, 1007-1014 (1012-1014 are IANA-registered and accepted by
 * Autobahn 7.7.x) and 3000-4999. Everything else (below 1000, 1004, 1005, 1006, 1015, 1016-2999, 5000+)
 * is a protocol error (1002). 1005 and 1006 are only used locally (never on the wire).
 */
public final class CloseCodes {
    public static final int NORMAL_CLOSURE = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reserved: never sent, never valid on the wire. */
    public static final int RESERVED_1004 = 1004;
    /** Local only: the peer's close frame carried no status code. */
    public static final int NO_STATUS_RECEIVED = 1005;
    /** Local only: the connection was closed without a close frame. */
    public static final int ABNORMAL_CLOSURE = 1006;
    public static final int INVALID_PAYLOAD_DATA = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int BAD_GATEWAY = 1014;
    /** Local only: TLS handshake failure. */
    public static final int TLS_HANDSHAKE = 1015;

    private CloseCodes() {
    }

    /** Whether a code received in a close frame is acceptable (otherwise the peer violated the protocol). */
    public static boolean isValidReceived(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /** Whether this endpoint may put the code on the wire (same set as {@link #isValidReceived}). */
    public static boolean isValidToSend(int code) {
        return isValidReceived(code);
    }

    /**
     * Checks a close this endpoint is asked to send, so the caller can be told at once.
     *
     * @param code must be one an endpoint may send (RFC 6455 section 7.4: 1000-1003, 1007-1014, 3000-4999)
     * @param reason null, or at most {@link HybiFrameEncoder#MAX_CLOSE_REASON} (123) bytes in UTF-8 (section 5.5:
     *     a control frame's payload is at most 125 bytes, 2 of them the code)
     * @return the reason in UTF-8 (empty for null)
     * @throws IllegalArgumentException for another code or a longer reason
     */
    public static byte[] checkToSend(int code, String reason) {
        if (!isValidToSend(code)) {
            throw new IllegalArgumentException("invalid close code " + code);
        }
        byte[] utf8 = reason == null ? new byte[0] : reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (utf8.length > HybiFrameEncoder.MAX_CLOSE_REASON) {
            throw new IllegalArgumentException("close reason longer than 123 UTF-8 bytes");
        }
        return utf8;
    }
}
