package io.keel.core.proxy;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** PROXY protocol headers for tests, built as HAProxy sends them (doc/proxy-protocol.txt section 2). */
public final class ProxyHeaders {
    /** The v2 signature, section 2.2. */
    public static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeaders() {
    }

    /** A v1 line, {@code "PROXY " + rest + "\r\n"}. */
    public static byte[] v1(String rest) {
        return ("PROXY " + rest + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A v2 header.
     *
     * @param verCmd byte 13 (0x21 PROXY, 0x20 LOCAL)
     * @param fam byte 14 (0x11 TCP over IPv4, 0x21 TCP over IPv6, 0x00 UNSPEC)
     * @param addresses the address block
     * @param tlvs the TLVs after it (may be empty)
     */
    public static byte[] v2(int verCmd, int fam, byte[] addresses, byte[] tlvs) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(SIGNATURE);
        o.write(verCmd);
        o.write(fam);
        int len = addresses.length + tlvs.length;
        o.write(len >> 8);
        o.write(len);
        o.writeBytes(addresses);
        o.writeBytes(tlvs);
        return o.toByteArray();
    }

    /** A v2 PROXY header for a TCP client {@code src:sport} that connected to {@code dst:dport}. */
    public static byte[] v2Tcp(String src, int sport, String dst, int dport, byte[] tlvs) {
        try {
            byte[] s = InetAddress.getByName(src).getAddress();
            byte[] d = InetAddress.getByName(dst).getAddress();
            ByteBuffer b = ByteBuffer.allocate(2 * s.length + 4);
            b.put(s).put(d).putShort((short) sport).putShort((short) dport);
            return v2(0x21, s.length == 4 ? 0x11 : 0x21, b.array(), tlvs);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** One TLV: type, 2-byte length, value (section 2.2.7). */
    public static byte[] tlv(int type, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(3 + value.length);
        b.put((byte) type).putShort((short) value.length).put(value);
        return b.array();
    }

    /** The concatenation of {@code parts}. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
