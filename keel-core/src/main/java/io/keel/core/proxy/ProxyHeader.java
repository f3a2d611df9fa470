package io.keel.core.proxy;

import java.net.InetSocketAddress;

/**
 * A parsed PROXY protocol header (HAProxy's {@code proxy-protocol.txt}, version 1 section 2.1, version 2 section
 * 2.2).
 *
 * @param version 1 (the text form) or 2 (the binary form)
 * @param command {@link Command#PROXY} for a relayed client, {@link Command#LOCAL} for a connection the proxy made
 *     itself (a health check; version 2 only)
 * @param source the client's address and port as the proxy saw them, or null when the header gives none
 *     ({@code LOCAL}, v1 {@code UNKNOWN}, v2 {@code UNSPEC} or a family other than IPv4/IPv6): the connection's
 *     own peer address is then the one to use (spec section 2.1 and 2.2)
 * @param destination the address and port the client connected to on the proxy, or null when {@code source} is
 * @param length the header's length in bytes, as consumed from the input (at most 107 for v1; 16 plus the v2
 *     length field, at most 16 + {@link ProxyProtocolParser#MAX_V2_PAYLOAD})
 */
public record ProxyHeader(int version, Command command, InetSocketAddress source, InetSocketAddress destination,
    int length) {

    /** The command of a header (v2 byte 13, low nibble; v1 headers are always {@code PROXY}). */
    public enum Command {
        /** The proxy made this connection itself (health checks): use the connection's real endpoints. */
        LOCAL,
        /** The connection relays a client's: {@link #source()} is that client, when known. */
        PROXY
    }
}
