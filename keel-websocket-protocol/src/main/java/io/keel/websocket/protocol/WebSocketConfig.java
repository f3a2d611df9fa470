package io.keel.websocket.protocol;

/**
 * Per-session protocol settings (immutable; use the {@code with*} methods).
 *
 * @param maxMessageSize       largest message (sum of its frames' payloads; for Hixie-76 the frame) in bytes,
 *                             default 16 MiB; exceeding it fails with 1009 as soon as a frame header announces it
 *                             (Hixie-76: as soon as the bytes arrive). Applies in streaming mode too.
 * @param streaming            false (default): the listener gets whole messages via onText/onBinary;
 *                             true: it gets the payload as it arrives via onFragment, nothing is buffered
 * @param autoPong             answer pings with a pong carrying the same payload (default true)
 * @param autoCloseReply       answer a peer's close with a close echoing its code (default true); if false the
 *                             state stays CLOSE_RECEIVED until the app calls close()
 * @param strictLengthEncoding reject (1002) 16/64-bit lengths that are not minimally encoded. RFC 6455 5.2 makes
 *                             minimal encoding a sender obligation only, so the default (false) accepts them.
 */
public record WebSocketConfig(int maxMessageSize, boolean streaming, boolean autoPong, boolean autoCloseReply,
                              boolean strictLengthEncoding) {
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    /**
     * Validates the settings (see the record components).
     *
     * @throws IllegalArgumentException when {@code maxMessageSize} &lt; 125, the largest control frame payload
     *     (RFC 6455 section 5.5)
     */
    public WebSocketConfig {
        if (maxMessageSize < 125) {
            throw new IllegalArgumentException("maxMessageSize must be >= 125");
        }
    }

    /** 16 MiB messages, accumulated (not streaming), automatic pongs and close replies, lenient length encoding. */
    public static WebSocketConfig defaults() {
        return new WebSocketConfig(DEFAULT_MAX_MESSAGE_SIZE, false, true, true, false);
    }

    /**
     * @param max the largest message, in bytes, at least 125
     * @return a copy with that limit
     * @throws IllegalArgumentException when {@code max} &lt; 125
     */
    public WebSocketConfig withMaxMessageSize(int max) {
        return new WebSocketConfig(max, streaming, autoPong, autoCloseReply, strictLengthEncoding);
    }

    /**
     * @param on true: the payload is delivered as it arrives ({@code onFragment}) and nothing is buffered; false:
     *     whole messages
     * @return a copy with that mode
     */
    public WebSocketConfig withStreaming(boolean on) {
        return new WebSocketConfig(maxMessageSize, on, autoPong, autoCloseReply, strictLengthEncoding);
    }

    /**
     * @param on true: a ping is answered with a pong carrying the same payload, as RFC 6455 section 5.5.2
     *     requires; false: the application answers
     * @return a copy with that setting
     */
    public WebSocketConfig withAutoPong(boolean on) {
        return new WebSocketConfig(maxMessageSize, streaming, on, autoCloseReply, strictLengthEncoding);
    }

    /**
     * @param on true: a peer's close is answered with a close echoing its code, as RFC 6455 section 5.5.1 requires;
     *     false: the state stays CLOSE_RECEIVED until the application calls close()
     * @return a copy with that setting
     */
    public WebSocketConfig withAutoCloseReply(boolean on) {
        return new WebSocketConfig(maxMessageSize, streaming, autoPong, on, strictLengthEncoding);
    }

    /**
     * @param on true: 16- and 64-bit payload lengths that are not minimally encoded fail with 1002 (RFC 6455
     *     section 5.2 makes minimal encoding an obligation of the sender only)
     * @return a copy with that setting
     */
    public WebSocketConfig withStrictLengthEncoding(boolean on) {
        return new WebSocketConfig(maxMessageSize, streaming, autoPong, autoCloseReply, on);
    }
}
