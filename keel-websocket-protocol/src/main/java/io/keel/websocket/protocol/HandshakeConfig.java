package io.keel.websocket.protocol;

import io.keel.websocket.http.HttpUpgradeRequestParser;
import io.keel.websocket.protocol.deflate.PerMessageDeflateNegotiator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Server handshake settings (immutable; use the {@code with*} methods).
 *
 * @param enabledVersions     versions accepted; a disabled HyBi version gets 426, a disabled Hixie-76 gets 400
 * @param secure              true when served over TLS (Hixie-76 {@code Sec-WebSocket-Location} uses {@code wss://})
 * @param maxHeaderBytes      bound on the request head (431 beyond it)
 * @param subprotocolSelector given the client's offered subprotocols (in order, never empty), returns the one to
 *                            use or null for none; a value the client did not offer is ignored. May be null.
 * @param originValidator     given the origin ({@code Origin}, or {@code Sec-WebSocket-Origin} for HyBi-07/08;
 *                            may be null if absent), returns false to reject with 403. May be null (accept all).
 * @param deflate             answers permessage-deflate offers (RFC 7692) on RFC 6455 handshakes; null (the
 *                            default) declines them
 */
public record HandshakeConfig(Set<ProtocolVersion> enabledVersions, boolean secure, int maxHeaderBytes,
                              Function<List<String>, String> subprotocolSelector, Predicate<String> originValidator,
                              PerMessageDeflateNegotiator deflate) {

    /**
     * Validates and copies the settings (see the record components).
     *
     * @throws IllegalArgumentException when {@code maxHeaderBytes} &lt; 16
     * @throws NullPointerException when {@code enabledVersions} is null or holds null
     */
    public HandshakeConfig {
        enabledVersions = enabledVersions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(enabledVersions));
        if (maxHeaderBytes < 16) {
            throw new IllegalArgumentException("maxHeaderBytes");
        }
    }

    /** All four versions, not secure, 8 KiB headers, no subprotocol, any origin. */
    public static HandshakeConfig defaults() {
        return new HandshakeConfig(EnumSet.allOf(ProtocolVersion.class), false,
                HttpUpgradeRequestParser.DEFAULT_MAX_HEADER_BYTES, null, null, null);
    }

    /**
     * A copy that accepts only {@code versions}: RFC 6455 (13), the drafts HyBi-07 and HyBi-08, draft-hixie-76.
     *
     * @param versions the versions to accept; none rejects every handshake (HyBi with 426, Hixie-76 with 400)
     * @return a new config
     * @throws NullPointerException when {@code versions} or one of them is null
     */
    public HandshakeConfig withVersions(ProtocolVersion... versions) {
        EnumSet<ProtocolVersion> s = EnumSet.noneOf(ProtocolVersion.class);
        s.addAll(List.of(versions));
        return new HandshakeConfig(s, secure, maxHeaderBytes, subprotocolSelector, originValidator, deflate);
    }

    /**
     * A copy for a server behind TLS or not. Only Hixie-76 uses it: its {@code Sec-WebSocket-Location} names the
     * scheme, {@code wss://} when secure (draft-hixie-76 section 5.2), unless the request's target is in absolute
     * form, whose own scheme then wins.
     *
     * @param secure true when the connections are TLS
     * @return a new config
     */
    public HandshakeConfig withSecure(boolean secure) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, subprotocolSelector, originValidator, deflate);
    }

    /**
     * A copy with another bound on the request head (request line and headers), so that a client cannot make the
     * server buffer an endless head; a longer head is answered 431 (RFC 6585 section 5).
     *
     * @param max in bytes, at least 16; default 8 KiB
     * @return a new config
     * @throws IllegalArgumentException when {@code max} &lt; 16
     */
    public HandshakeConfig withMaxHeaderBytes(int max) {
        return new HandshakeConfig(enabledVersions, secure, max, subprotocolSelector, originValidator, deflate);
    }

    /**
     * A copy that chooses the subprotocol answered in {@code Sec-WebSocket-Protocol} (RFC 6455 section 4.2.2).
     *
     * @param selector given the client's offered subprotocols (in order, never empty), returns the one to use or null
     *     for none; a value the client did not offer is ignored. Null (the default): never select one
     * @return a new config
     */
    public HandshakeConfig withSubprotocolSelector(Function<List<String>, String> selector) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, selector, originValidator, deflate);
    }

    /**
     * A copy that checks the client's origin (RFC 6455 section 10.2), the browser's defence against pages of
     * other sites opening connections.
     *
     * @param validator given the origin ({@code Origin}, or {@code Sec-WebSocket-Origin} for HyBi-07/08; null when
     *     absent), returns false to reject with 403. Null (the default) accepts every origin
     * @return a new config
     */
    public HandshakeConfig withOriginValidator(Predicate<String> validator) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, subprotocolSelector, validator, deflate);
    }

    /**
     * A copy that answers permessage-deflate offers (RFC 7692) of RFC 6455 clients; HyBi-07/08 and Hixie-76
     * handshakes never negotiate it.
     *
     * @param negotiator the server's negotiator; null declines every offer (the default)
     * @return a new config
     */
    public HandshakeConfig withDeflate(PerMessageDeflateNegotiator negotiator) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, subprotocolSelector, originValidator,
            negotiator);
    }

    /**
     * @param v a protocol version
     * @return whether handshakes of version {@code v} are accepted
     */
    public boolean isEnabled(ProtocolVersion v) {
        return enabledVersions.contains(v);
    }

    /** The enabled HyBi versions for a 426 {@code Sec-WebSocket-Version} header, highest first, e.g. "13, 8, 7". */
    public String supportedVersionsHeader() {
        StringBuilder sb = new StringBuilder();
        for (ProtocolVersion v : new ProtocolVersion[] {ProtocolVersion.RFC_6455, ProtocolVersion.HYBI_08, ProtocolVersion.HYBI_07}) {
            if (isEnabled(v)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(v.wireVersion());
            }
        }
        return sb.isEmpty() ? "13" : sb.toString();
    }
}
