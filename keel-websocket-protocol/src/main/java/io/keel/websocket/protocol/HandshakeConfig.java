package io.keel.websocket.protocol;

import io.keel.websocket.http.HttpUpgradeRequestParser;
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
 */
public record HandshakeConfig(Set<ProtocolVersion> enabledVersions, boolean secure, int maxHeaderBytes,
                              Function<List<String>, String> subprotocolSelector, Predicate<String> originValidator) {

    public HandshakeConfig {
        enabledVersions = enabledVersions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(enabledVersions));
        if (maxHeaderBytes < 16) {
            throw new IllegalArgumentException("maxHeaderBytes");
        }
    }

    /** All four versions, not secure, 8 KiB headers, no subprotocol, any origin. */
    public static HandshakeConfig defaults() {
        return new HandshakeConfig(EnumSet.allOf(ProtocolVersion.class), false,
                HttpUpgradeRequestParser.DEFAULT_MAX_HEADER_BYTES, null, null);
    }

    public HandshakeConfig withVersions(ProtocolVersion... versions) {
        EnumSet<ProtocolVersion> s = EnumSet.noneOf(ProtocolVersion.class);
        s.addAll(List.of(versions));
        return new HandshakeConfig(s, secure, maxHeaderBytes, subprotocolSelector, originValidator);
    }

    public HandshakeConfig withSecure(boolean secure) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, subprotocolSelector, originValidator);
    }

    public HandshakeConfig withMaxHeaderBytes(int max) {
        return new HandshakeConfig(enabledVersions, secure, max, subprotocolSelector, originValidator);
    }

    public HandshakeConfig withSubprotocolSelector(Function<List<String>, String> selector) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, selector, originValidator);
    }

    public HandshakeConfig withOriginValidator(Predicate<String> validator) {
        return new HandshakeConfig(enabledVersions, secure, maxHeaderBytes, subprotocolSelector, validator);
    }

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
