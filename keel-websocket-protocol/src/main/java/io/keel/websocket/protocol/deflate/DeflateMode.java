package io.keel.websocket.protocol.deflate;

/**
 * How a server answers a client's {@code permessage-deflate} offer (RFC 7692), after uWebSockets' shared and
 * dedicated compressors.
 */
public enum DeflateMode {
    /** Decline every offer: messages go uncompressed (the client sees no {@code Sec-WebSocket-Extensions}). */
    OFF,
    /**
     * Answer {@code server_no_context_takeover; client_no_context_takeover} (RFC 7692 sections 7.1.1.1 and
     * 7.1.1.2): every message is compressed on its own, so one compressor and one decompressor per event loop
     * serve every connection, and an idle connection holds no compression state.
     */
    SHARED,
    /**
     * Context takeover (RFC 7692 section 7.1.1): each connection keeps its own compressor and decompressor (made
     * at its first compressed message, released when it closes), for better ratios on similar messages, at about
     * {@link DeflateMemoryBudget#BYTES_PER_CONNECTION} bytes of native memory each. Beyond the server's memory
     * budget, new connections get {@link #SHARED}.
     */
    DEDICATED
}
