package io.keel.core;

import io.keel.core.proxy.IpNetwork;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The PROXY protocol (HAProxy's {@code doc/proxy-protocol.txt}, v1 and v2) on a {@link Server}: which peers are
 * trusted proxies, and how long one may take to send its header. Set with {@link Server.Builder#proxyProtocol}.
 * Immutable.
 *
 * <p>A connection from a trusted network must start with a header, before anything else (before TLS): the
 * handler hears of it ({@code onOpen}) only once the header is read, and {@link Connection#remoteAddress()} is then
 * the client's address and port from the header ({@code LOCAL} headers, the proxy's health checks, keep the real
 * peer address). A trusted peer whose header is missing, malformed or late is closed without a reply and counted
 * ({@link ServerStats#proxyHeaderFailures()}, {@link ServerStats#proxyHeaderTimeouts()}). A peer outside the
 * trusted networks is served as a direct client: its bytes go to the handler unread, so it cannot forge its address
 * with a header of its own (a header from it reaches the application as data, which a WebSocket server refuses).
 */
public final class ProxyProtocolConfig {
    /** The default {@link #headerTimeout()}: a proxy sends its header at once, with the connection. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(5);

    private final List<IpNetwork> trusted;
    private final Duration headerTimeout;

    private ProxyProtocolConfig(List<IpNetwork> trusted, Duration headerTimeout) {
        this.trusted = trusted;
        this.headerTimeout = headerTimeout;
    }

    /**
     * Trusts proxies in these networks, with the default header timeout.
     *
     * @param cidrs networks in CIDR notation, like {@code "127.0.0.1/32"} or {@code "10.0.0.0/8"} (see
     *     {@link IpNetwork#parse})
     * @return a new configuration
     * @throws IllegalArgumentException when there is no network, or one is not valid CIDR (the message names it)
     */
    public static ProxyProtocolConfig trusting(String... cidrs) {
        List<IpNetwork> l = new ArrayList<>(cidrs.length);
        for (String c : cidrs) {
            l.add(IpNetwork.parse(c));
        }
        return trusting(l);
    }

    /**
     * Trusts proxies in these networks, with the default header timeout.
     *
     * @param networks at least one
     * @return a new configuration
     * @throws IllegalArgumentException when {@code networks} is empty
     * @throws NullPointerException when it or one of its elements is null
     */
    public static ProxyProtocolConfig trusting(List<IpNetwork> networks) {
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("the PROXY protocol needs at least one trusted proxy network");
        }
        return new ProxyProtocolConfig(List.copyOf(networks), DEFAULT_HEADER_TIMEOUT);
    }

    /**
     * The same trusted networks with another header timeout.
     *
     * @param timeout how long a trusted peer may take to send its whole header, from the accept; positive
     * @return a new configuration
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public ProxyProtocolConfig headerTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the PROXY header timeout must be positive, got " + timeout);
        }
        return new ProxyProtocolConfig(trusted, Objects.requireNonNull(timeout));
    }

    /** How long a trusted peer may take to send its header (default {@link #DEFAULT_HEADER_TIMEOUT}). */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    /** The trusted proxy networks, in the order given; unmodifiable. */
    public List<IpNetwork> trustedNetworks() {
        return trusted;
    }

    /**
     * Whether a peer must send a PROXY header.
     *
     * @param peer the connection's real peer address (may be null: not trusted)
     * @return true when it is in one of the trusted networks
     */
    public boolean isTrusted(InetAddress peer) {
        for (int i = 0; i < trusted.size(); i++) {
            if (trusted.get(i).contains(peer)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "ProxyProtocolConfig[trusted=" + trusted + ", headerTimeout=" + headerTimeout + "]";
    }
}
