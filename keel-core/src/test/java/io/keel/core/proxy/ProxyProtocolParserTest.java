package io.keel.core.proxy;

import static io.keel.core.proxy.ProxyHeaders.concat;
import static io.keel.core.proxy.ProxyHeaders.tlv;
import static io.keel.core.proxy.ProxyHeaders.v1;
import static io.keel.core.proxy.ProxyHeaders.v2;
import static io.keel.core.proxy.ProxyHeaders.v2Tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyProtocolParserTest {
    private static final byte[] AFTER = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Parses {@code header + AFTER} whole, checks the position lands on AFTER, and returns the header. */
    static ProxyHeader parseWhole(byte[] header) throws ProxyProtocolException {
        ByteBuffer in = ByteBuffer.wrap(concat(header, AFTER));
        ProxyHeader h = ProxyProtocolParser.parse(in);
        assertThat(h).isNotNull();
        assertThat(h.length()).isEqualTo(header.length);
        assertThat(in.position()).as("position after the header").isEqualTo(header.length);
        return h;
    }

    /** Every proper prefix of a valid header is NEED_MORE (null), with the position untouched. */
    static void assertEveryPrefixNeedsMore(byte[] header) throws ProxyProtocolException {
        for (int i = 0; i < header.length; i++) {
            ByteBuffer in = ByteBuffer.wrap(header, 0, i);
            assertThat(ProxyProtocolParser.parse(in)).as("prefix of %d bytes", i).isNull();
            assertThat(in.position()).isZero();
        }
    }

    @Nested
    @DisplayName("proxy-protocol.txt §2.1 (v1, text)")
    class V1 {
        @Test
        void tcp4() throws Exception {
            byte[] h = v1("TCP4 192.0.2.1 198.51.100.2 56324 443");
            ProxyHeader r = parseWhole(h);
            assertThat(r.version()).isEqualTo(1);
            assertThat(r.command()).isEqualTo(ProxyHeader.Command.PROXY);
            assertThat(r.source()).isEqualTo(new InetSocketAddress("192.0.2.1", 56324));
            assertThat(r.destination()).isEqualTo(new InetSocketAddress("198.51.100.2", 443));
            assertEveryPrefixNeedsMore(h);
        }

        @Test
        void tcp6() throws Exception {
            ProxyHeader r = parseWhole(v1("TCP6 2001:db8::1 ::1 65535 0"));
            assertThat(r.source()).isEqualTo(new InetSocketAddress("2001:db8::1", 65535));
            assertThat(r.destination()).isEqualTo(new InetSocketAddress("::1", 0));
        }

        @Test
        void unknownUsesRealEndpoints() throws Exception {
            assertThat(parseWhole(v1("UNKNOWN")).source()).isNull();
            assertThat(parseWhole(v1("UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535")).source()).isNull();
        }

        @Test
        void longestValidHeaderIs107Bytes() throws Exception {
            String a = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
            byte[] h = v1("UNKNOWN " + a + " " + a + " 65535 65535"); // the spec's worst case
            assertThat(h.length).isEqualTo(ProxyProtocolParser.MAX_V1_LENGTH);
            assertThat(parseWhole(h).source()).isNull();
            assertThat(parseWhole(v1("TCP6 " + a + " " + a + " 65535 65535")).source().getPort()).isEqualTo(65535);
        }

        @Test
        void noCrlfWithin107BytesIsRefused() {
            byte[] h = ("PROXY UNKNOWN " + "x".repeat(200)).getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(h, 0, 107)))
                .isInstanceOf(ProxyProtocolException.class).hasMessageContaining("107");
            assertThatCode(() -> assertThat(ProxyProtocolParser.parse(ByteBuffer.wrap(h, 0, 106))).isNull())
                .as("106 bytes: not yet").doesNotThrowAnyException();
        }

        @ParameterizedTest
        @ValueSource(strings = {"TCP4 1.2.3.4 5.6.7.8 1 2 3", "TCP4 1.2.3.4 5.6.7.8 1", "TCP4  1.2.3.4 5.6.7.8 1 2",
            "TCP4 1.2.3.256 5.6.7.8 1 2", "TCP4 1.2.3 5.6.7.8 1 2", "TCP4 1.2.3.4 5.6.7.8 65536 2",
            "TCP4 1.2.3.4 5.6.7.8 -1 2", "TCP4 ::1 5.6.7.8 1 2", "TCP6 1.2.3.4 ::1 1 2", "TCP6 ::g ::1 1 2",
            "TCP6 example.com ::1 1 2", "UDP4 1.2.3.4 5.6.7.8 1 2", "tcp4 1.2.3.4 5.6.7.8 1 2", "TCP4 a.b.c.d 1.1.1.1 1 2",
            "TCP4 203.0.113.09 5.6.7.8 1 2", "TCP4 1.2.3.4 5.6.7.00 1 2"})
        void malformedLinesAreRefused(String rest) {
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(v1(rest))))
                .isInstanceOf(ProxyProtocolException.class);
        }

        @Test
        void bareLfIsRefused() {
            byte[] h = "PROXY UNKNOWN\n".getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(h)))
                .isInstanceOf(ProxyProtocolException.class).hasMessageContaining("CRLF");
        }

        @Test
        void wrongPrefixIsRefusedAtTheFirstWrongByte() {
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap("PROXi".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(ProxyProtocolException.class);
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(AFTER)))
                .as("an HTTP request without a header").isInstanceOf(ProxyProtocolException.class);
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01})))
                .as("a TLS ClientHello without a header").isInstanceOf(ProxyProtocolException.class);
        }
    }

    @Nested
    @DisplayName("proxy-protocol.txt §2.2 (v2, binary)")
    class V2 {
        @Test
        void tcpOverIpv4() throws Exception {
            byte[] h = v2Tcp("203.0.113.9", 40000, "127.0.0.1", 8443, new byte[0]);
            ProxyHeader r = parseWhole(h);
            assertThat(r.version()).isEqualTo(2);
            assertThat(r.command()).isEqualTo(ProxyHeader.Command.PROXY);
            assertThat(r.source()).isEqualTo(new InetSocketAddress("203.0.113.9", 40000));
            assertThat(r.destination()).isEqualTo(new InetSocketAddress("127.0.0.1", 8443));
            assertEveryPrefixNeedsMore(h);
        }

        @Test
        void tcpOverIpv6WithTlvsSkipped() throws Exception {
            byte[] tlvs = concat(tlv(0x01, "http/1.1".getBytes(StandardCharsets.US_ASCII)), tlv(0x04, new byte[0]),
                tlv(0x20, new byte[300]));
            byte[] h = v2Tcp("2001:db8::7", 1234, "2001:db8::1", 443, tlvs);
            ProxyHeader r = parseWhole(h);
            assertThat(r.source()).isEqualTo(new InetSocketAddress("2001:db8::7", 1234));
            assertEveryPrefixNeedsMore(h);
        }

        @Test
        void localUsesRealEndpoints() throws Exception {
            ProxyHeader r = parseWhole(v2(0x20, 0x00, new byte[0], new byte[0]));
            assertThat(r.command()).isEqualTo(ProxyHeader.Command.LOCAL);
            assertThat(r.source()).isNull();
            // LOCAL with an address block (HAProxy's health checks may send one): ignored
            byte[] withAddr = v2Tcp("1.2.3.4", 1, "5.6.7.8", 2, new byte[0]);
            withAddr[12] = 0x20;
            assertThat(parseWhole(withAddr).source()).isNull();
        }

        @Test
        void unspecAndUnixUseRealEndpoints() throws Exception {
            assertThat(parseWhole(v2(0x21, 0x00, new byte[0], new byte[0])).source()).isNull();
            assertThat(parseWhole(v2(0x21, 0x31, new byte[216], new byte[0])).source()).isNull();
            assertThat(parseWhole(v2(0x21, 0x12, new byte[12], new byte[0])).source()).as("UDP").isNull();
        }

        @Test
        void oversizedLengthIsRefusedBeforeItArrives() {
            byte[] h = v2(0x21, 0x11, new byte[0], new byte[0]);
            int len = ProxyProtocolParser.MAX_V2_PAYLOAD + 1;
            h[14] = (byte) (len >> 8);
            h[15] = (byte) len;
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(h)))
                .isInstanceOf(ProxyProtocolException.class).hasMessageContaining("limit");
        }

        @Test
        void largestAcceptedLength() throws Exception {
            byte[] tlvs = tlv(0xE0, new byte[ProxyProtocolParser.MAX_V2_PAYLOAD - 12 - 3]);
            assertThat(parseWhole(v2Tcp("1.2.3.4", 1, "5.6.7.8", 2, tlvs)).length())
                .isEqualTo(16 + ProxyProtocolParser.MAX_V2_PAYLOAD);
        }

        @Test
        void badFieldsAreRefused() {
            byte[] good = v2Tcp("1.2.3.4", 1, "5.6.7.8", 2, new byte[0]);
            assertRefused(with(good, 12, 0x11), "version 1 in a v2 header");
            assertRefused(with(good, 12, 0x31), "version 3");
            assertRefused(with(good, 12, 0x22), "command 2");
            assertRefused(with(good, 13, 0x41), "family 4");
            assertRefused(with(good, 13, 0x13), "protocol 3");
            assertRefused(with(good, 15, 11), "too short for IPv4 addresses");
            assertRefused(with(good, 3, 0x0B), "signature");
            assertRefused(v2Tcp("1.2.3.4", 1, "5.6.7.8", 2, new byte[] {0x01, 0x00}), "truncated TLV");
            assertRefused(v2Tcp("1.2.3.4", 1, "5.6.7.8", 2, new byte[] {0x01, 0x00, 0x05, 0x00}), "TLV overrun");
        }

        private static byte[] with(byte[] h, int at, int value) {
            byte[] c = h.clone();
            c[at] = (byte) value;
            return c;
        }

        private static void assertRefused(byte[] h, String what) {
            assertThatThrownBy(() -> ProxyProtocolParser.parse(ByteBuffer.wrap(h))).as(what)
                .isInstanceOf(ProxyProtocolException.class);
        }
    }

    @Test
    void emptyInputNeedsMore() throws Exception {
        assertThat(ProxyProtocolParser.parse(ByteBuffer.allocate(0))).isNull();
    }

    @Test
    void readsFromThePositionOfADirectBuffer() throws Exception {
        byte[] h = v2Tcp("10.1.2.3", 5, "10.0.0.1", 80, new byte[0]);
        ByteBuffer in = ByteBuffer.allocateDirect(100);
        in.put(new byte[7]).put(h).put(AFTER).flip().position(7);
        ProxyHeader r = ProxyProtocolParser.parse(in);
        assertThat(r.source()).isEqualTo(new InetSocketAddress("10.1.2.3", 5));
        assertThat(in.position()).isEqualTo(7 + h.length);
    }
}
