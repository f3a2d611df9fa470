package io.keel.core.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP address literals to bytes without any name lookup: the JDK's {@code InetAddress.getByName} resolves a
 * string it cannot read as a literal, and a PROXY header or a CIDR list must never cause a DNS query.
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * Dotted decimal (four parts of 1-3 digits, each at most 255, without leading zeros, as inet_pton(3) and HAProxy
     * read it: {@code 010} is octal to some tools) to 4 bytes, or null.
     */
    static byte[] ipv4(String s) {
        byte[] b = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part == 4) {
                    return null;
                }
                b[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3 && !(digits == 1 && value == 0)) {
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? b : null;
    }

    /**
     * An IPv6 literal (RFC 4291 section 2.2, with a colon, hex digits and an optional dotted IPv4 tail) to its
     * bytes: 16, or 4 for an IPv4-mapped address (the JDK maps {@code ::ffff:a.b.c.d} to IPv4); null if invalid.
     */
    static byte[] ipv6(String s) {
        if (s.length() < 2 || s.length() > 45 || s.indexOf(':') < 0) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ':' && c != '.' && Character.digit(c, 16) < 0) {
                return null;
            }
        }
        try {
            return InetAddress.getByName(s).getAddress(); // has a colon: parsed as a literal, never looked up
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** {@link #ipv4} or {@link #ipv6} as an address, or null. */
    static InetAddress address(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes); // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }
}
