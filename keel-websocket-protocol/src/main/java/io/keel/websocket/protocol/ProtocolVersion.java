package io.keel.websocket.protocol;

/** The WebSocket protocol versions a Keel server can speak. */
public enum ProtocolVersion {
    /** draft-hixie-thewebsocketprotocol-76 (a.k.a. HyBi-00): key1/key2 + 8-byte body, 0x00..0xFF text frames. */
    HIXIE_76(-1),
    /** draft-ietf-hybi-thewebsocketprotocol-07 ({@code Sec-WebSocket-Version: 7}). */
    HYBI_07(7),
    /** draft-ietf-hybi-thewebsocketprotocol-08 ({@code Sec-WebSocket-Version: 8}). */
    HYBI_08(8),
    /** RFC 6455 ({@code Sec-WebSocket-Version: 13}). */
    RFC_6455(13);

    private final int wireVersion;

    ProtocolVersion(int wireVersion) {
        this.wireVersion = wireVersion;
    }

    /** The value of {@code Sec-WebSocket-Version}, or -1 for Hixie-76 (which sends none). */
    public int wireVersion() {
        return wireVersion;
    }

    /** True for the HyBi family (07, 08, RFC 6455), which share the RFC 6455 framing. */
    public boolean isHybi() {
        return this != HIXIE_76;
    }

    /** The version for a {@code Sec-WebSocket-Version} value, or null if unknown. */
    public static ProtocolVersion ofWireVersion(int v) {
        return switch (v) {
            case 13 -> RFC_6455;
            case 8 -> HYBI_08;
            case 7 -> HYBI_07;
            default -> null;
        };
    }
}
