package io.keel.core.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads a PROXY protocol header, version 1 (text) or 2 (binary), as HAProxy's {@code doc/proxy-protocol.txt}
 * specifies it. Sans-I/O and stateless: the caller keeps the bytes received so far and calls {@link #parse} again
 * with all of them each time more arrive (a header may be split at any byte). A header is at most 107 bytes (v1)
 * or 16 + {@value #MAX_V2_PAYLOAD} bytes (v2), so re-reading it costs little and needs no state object per
 * connection.
 *
 * <p>Bytes that cannot begin a header are refused as soon as they arrive (the first byte that differs from both
 * {@code "PROXY "} and the v2 signature), so a client that speaks something else fails at once, not at a timeout.
 */
public final class ProxyProtocolParser {
    /** The v1 header's longest form, CRLF included (spec section 2.1: "107 bytes"). */
    public static final int MAX_V1_LENGTH = 107;
    /**
     * The largest v2 length field accepted (addresses and TLVs): addresses need at most 216 bytes (AF_UNIX), and
     * the TLVs HAProxy and the cloud balancers send (ALPN, authority, unique ID, SSL, VPC endpoint) fit with room.
     * A bound, so a peer cannot make the server hold 64 KiB per connection while it waits.
     */
    public static final int MAX_V2_PAYLOAD = 2048;

    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** Spec section 2.2: "\r\n\r\n\0\r\nQUIT\n". */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_FIXED = 16;
    private static final int AF_UNSPEC = 0, AF_INET = 1, AF_INET6 = 2, AF_UNIX = 3;
    private static final int STREAM = 1, DGRAM = 2;

    private ProxyProtocolParser() {
    }

    /**
     * Parses the header at the start of {@code in} (from its position to its limit).
     *
     * @param in every byte received so far, in read mode; the parser only reads it, except that on success its
     *     position moves past the header (what follows is the client's own data)
     * @return the header, or null when the bytes so far are a valid beginning of one (call again with more)
     * @throws ProxyProtocolException when the bytes cannot be (the beginning of) a valid header: a wrong
     *     signature, a v1 line over 107 bytes or without CRLF, a bad address or port, an unknown v2 version,
     *     command, family or protocol, a v2 length over {@link #MAX_V2_PAYLOAD} or too short for its addresses,
     *     TLVs that overrun the header; {@code in} is unchanged then
     */
    public static ProxyHeader parse(ByteBuffer in) throws ProxyProtocolException {
        int n = in.remaining();
        if (n == 0) {
            return null;
        }
        int p = in.position();
        byte first = in.get(p);
        if (first == V1_PREFIX[0]) {
            return parseV1(in, p, n);
        }
        if (first == V2_SIGNATURE[0]) {
            return parseV2(in, p, n);
        }
        throw new ProxyProtocolException("not a PROXY protocol header (first byte 0x"
            + Integer.toHexString(first & 0xFF) + ")");
    }

    private static ProxyHeader parseV1(ByteBuffer in, int p, int n) throws ProxyProtocolException {
        matchPrefix(in, p, n, V1_PREFIX, "PROXY protocol v1 header must start with \"PROXY \"");
        int scan = Math.min(n, MAX_V1_LENGTH);
        int lf = -1;
        for (int i = V1_PREFIX.length; i < scan; i++) {
            byte b = in.get(p + i);
            if (b == '\n') {
                lf = i;
                break;
            }
            if (b != '\r' && (b < 0x20 || b > 0x7E)) {
                throw new ProxyProtocolException("PROXY protocol v1 header has a non-ASCII or control byte");
            }
        }
        if (lf < 0) {
            if (n >= MAX_V1_LENGTH) {
                throw new ProxyProtocolException("PROXY protocol v1 header has no CRLF within 107 bytes");
            }
            return null;
        }
        if (in.get(p + lf - 1) != '\r') {
            throw new ProxyProtocolException("PROXY protocol v1 header must end with CRLF");
        }
        byte[] line = new byte[lf - 1];
        in.get(p, line);
        String[] f = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        int length = lf + 1;
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            // section 2.1: with UNKNOWN the receiver ignores the rest of the line and uses the real endpoints
            in.position(p + length);
            return new ProxyHeader(1, ProxyHeader.Command.PROXY, null, null, length);
        }
        if (f.length != 6) {
            throw new ProxyProtocolException("PROXY protocol v1 header needs 6 fields separated by single spaces");
        }
        boolean v4;
        switch (f[1]) {
            case "TCP4" -> v4 = true;
            case "TCP6" -> v4 = false;
            default -> throw new ProxyProtocolException("PROXY protocol v1: unknown protocol '" + f[1] + "'");
        }
        InetAddress src = v4 ? ipv4(f[2]) : ipv6(f[2]);
        InetAddress dst = v4 ? ipv4(f[3]) : ipv6(f[3]);
        int sport = port(f[4]);
        int dport = port(f[5]);
        in.position(p + length);
        return new ProxyHeader(1, ProxyHeader.Command.PROXY, new InetSocketAddress(src, sport),
            new InetSocketAddress(dst, dport), length);
    }

    private static ProxyHeader parseV2(ByteBuffer in, int p, int n) throws ProxyProtocolException {
        matchPrefix(in, p, n, V2_SIGNATURE, "not a PROXY protocol header (bad v2 signature)");
        if (n < V2_FIXED) {
            return null;
        }
        int verCmd = in.get(p + 12) & 0xFF;
        if (verCmd >> 4 != 2) {
            throw new ProxyProtocolException("PROXY protocol v2: unsupported version " + (verCmd >> 4));
        }
        int cmd = verCmd & 0x0F;
        if (cmd > 1) {
            throw new ProxyProtocolException("PROXY protocol v2: unknown command " + cmd);
        }
        int fam = in.get(p + 13) & 0xFF;
        int af = fam >> 4;
        int proto = fam & 0x0F;
        if (af > AF_UNIX || proto > DGRAM) {
            throw new ProxyProtocolException("PROXY protocol v2: unknown address family or protocol 0x"
                + Integer.toHexString(fam));
        }
        int len = in.getShort(p + 14) & 0xFFFF;
        if (len > MAX_V2_PAYLOAD) {
            throw new ProxyProtocolException("PROXY protocol v2: length " + len + " over the limit of "
                + MAX_V2_PAYLOAD);
        }
        if (n < V2_FIXED + len) {
            return null;
        }
        int length = V2_FIXED + len;
        if (cmd == 0) {
            // section 2.2: LOCAL: the receiver must use the real connection endpoints and ignore the rest
            in.position(p + length);
            return new ProxyHeader(2, ProxyHeader.Command.LOCAL, null, null, length);
        }
        int addrLen = switch (af) {
            case AF_INET -> 12;
            case AF_INET6 -> 36;
            case AF_UNIX -> 216;
            default -> 0;
        };
        if (len < addrLen) {
            throw new ProxyProtocolException("PROXY protocol v2: length " + len + " too short for the addresses");
        }
        checkTlvs(in, p + V2_FIXED + addrLen, p + length);
        if (proto != STREAM || (af != AF_INET && af != AF_INET6)) {
            // UNSPEC, UNIX or DGRAM: nothing we can use as a TCP peer; section 2.2 says use the real endpoints
            in.position(p + length);
            return new ProxyHeader(2, ProxyHeader.Command.PROXY, null, null, length);
        }
        int size = af == AF_INET ? 4 : 16;
        int a = p + V2_FIXED;
        InetAddress src = address(in, a, size);
        InetAddress dst = address(in, a + size, size);
        int sport = in.getShort(a + 2 * size) & 0xFFFF;
        int dport = in.getShort(a + 2 * size + 2) & 0xFFFF;
        in.position(p + length);
        return new ProxyHeader(2, ProxyHeader.Command.PROXY, new InetSocketAddress(src, sport),
            new InetSocketAddress(dst, dport), length);
    }

    /** Section 2.2.7: TLVs are type (1 byte), length (2 bytes), value; they must end exactly at the header's end. */
    private static void checkTlvs(ByteBuffer in, int from, int end) throws ProxyProtocolException {
        int i = from;
        while (i < end) {
            if (end - i < 3) {
                throw new ProxyProtocolException("PROXY protocol v2: truncated TLV");
            }
            int vlen = in.getShort(i + 1) & 0xFFFF;
            i += 3 + vlen;
            if (i > end) {
                throw new ProxyProtocolException("PROXY protocol v2: TLV overruns the header");
            }
        }
    }

    private static void matchPrefix(ByteBuffer in, int p, int n, byte[] prefix, String error)
        throws ProxyProtocolException {
        int m = Math.min(n, prefix.length);
        for (int i = 0; i < m; i++) {
            if (in.get(p + i) != prefix[i]) {
                throw new ProxyProtocolException(error);
            }
        }
    }

    private static InetAddress address(ByteBuffer in, int at, int size) {
        byte[] b = new byte[size];
        in.get(at, b);
        return IpLiterals.address(b);
    }

    private static InetAddress ipv4(String s) throws ProxyProtocolException {
        InetAddress a = IpLiterals.address(IpLiterals.ipv4(s));
        if (a == null) {
            throw new ProxyProtocolException("PROXY protocol v1: bad IPv4 address '" + s + "'");
        }
        return a;
    }

    private static InetAddress ipv6(String s) throws ProxyProtocolException {
        InetAddress a = IpLiterals.address(IpLiterals.ipv6(s));
        if (a == null) {
            throw new ProxyProtocolException("PROXY protocol v1: bad IPv6 address '" + s + "'");
        }
        return a;
    }

    private static int port(String s) throws ProxyProtocolException {
        int v = decimal(s, 5);
        if (v < 0 || v > 65535) {
            throw new ProxyProtocolException("PROXY protocol v1: bad port '" + s + "'");
        }
        return v;
    }

    /** The value of 1 to {@code maxDigits} ASCII digits, or -1. */
    private static int decimal(String s, int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
