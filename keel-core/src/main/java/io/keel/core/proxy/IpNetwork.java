package io.keel.core.proxy;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IP network in CIDR notation (RFC 4632 section 3.1 for IPv4, RFC 4291 section 2.3 for IPv6), such as
 * {@code 10.0.0.0/8}, {@code 127.0.0.1/32} or {@code fd00::/8}; an address without a prefix length is the network
 * of that one address. Used for the trusted proxies of {@link io.keel.core.ProxyProtocolConfig}. Immutable.
 * An IPv4 address also matches an IPv4 network when it arrives as an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}).
 */
public final class IpNetwork {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private IpNetwork(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses a network; the address part must be an IP literal (no name is looked up).
     *
     * @param cidr for example {@code "10.0.0.0/8"}, {@code "::1/128"} or {@code "192.0.2.7"}
     * @return the network; host bits set in the address are ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8})
     * @throws IllegalArgumentException with a one-line reason when {@code cidr} is not an IP literal with an
     *     optional prefix length of 0-32 (IPv4) or 0-128 (IPv6)
     */
    public static IpNetwork parse(String cidr) {
        String s = cidr.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + cidr + "' is not an IP network: expected an IP address with an"
                + " optional /prefix-length, like 10.0.0.0/8 or fd00::/8");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            prefix = -1;
            if (!p.isEmpty() && p.length() <= 3 && p.chars().allMatch(Character::isDigit)) {
                prefix = Integer.parseInt(p);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + cidr + "': the prefix length must be 0-" + bits
                    + (bits == 32 && addr.indexOf(':') >= 0
                        ? " (an IPv4-mapped address is its IPv4 address: write " + IpLiterals.address(bytes)
                            .getHostAddress() + "/" + Math.max(0, Math.min(32, prefix - 96)) + ")"
                        : ""));
            }
        }
        return new IpNetwork(mask(bytes, prefix), prefix, s);
    }

    /**
     * Whether {@code address} is in this network.
     *
     * @param address any address, or null (never in a network)
     * @return true when its first prefix-length bits are the network's
     */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false; // getAddress() already gives 4 bytes for an IPv4-mapped address
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & m) == (network[full] & 0xFF);
    }

    /** The prefix length: 0-32 for IPv4, 0-128 for IPv6. */
    public int prefixLength() {
        return prefix;
    }

    /** True for an IPv4 network. */
    public boolean isIpv4() {
        return network.length == 4;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] m = Arrays.copyOf(bytes, bytes.length);
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] &= (byte) (0xFF << (8 - keep));
        }
        return m;
    }

    /** The bytes of an IPv4 or IPv6 literal (4 or 16), or null; never a name lookup. */
    private static byte[] literal(String s) {
        return s.indexOf(':') >= 0 ? IpLiterals.ipv6(s) : IpLiterals.ipv4(s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpNetwork n && n.prefix == prefix && Arrays.equals(n.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** The network as it was given, trimmed. */
    @Override
    public String toString() {
        return text;
    }
}
