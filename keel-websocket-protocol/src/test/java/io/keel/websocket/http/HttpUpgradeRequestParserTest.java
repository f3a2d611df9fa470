package io.keel.websocket.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpUpgradeRequestParserTest {
    static final String REQ = "GET /chat?room=1 HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade\r\n"
            + "X-Multi: a\r\n"
            + "x-multi:   b  \r\n"
            + "\r\n";

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void parsesRequestLineAndCaseInsensitiveMultiValuedHeaders() throws Exception {
        HttpRequest r = new HttpUpgradeRequestParser().parse(buf(REQ));
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.target()).isEqualTo("/chat?room=1");
        assertThat(r.path()).isEqualTo("/chat");
        assertThat(r.version()).isEqualTo("HTTP/1.1");
        assertThat(r.headers().get("HOST")).isEqualTo("server.example.com");
        assertThat(r.headers().getAll("X-MULTI")).containsExactly("a", "b");
        assertThat(r.headers().tokens("connection")).containsExactly("keep-alive", "Upgrade");
        assertThat(r.headers().containsToken("Connection", "upgrade")).isTrue();
        assertThat(r.headers().get("absent")).isNull();
    }

    @Test
    void byteByByteConsumesExactlyTheHeaderBlockAndLeavesTheBody() throws Exception {
        byte[] all = (REQ + "Tm[K T2u").getBytes(StandardCharsets.ISO_8859_1);
        HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
        HttpRequest r = null;
        int i = 0;
        ByteBuffer b = ByteBuffer.wrap(all);
        for (; i < all.length && r == null; i++) {
            b.limit(i + 1);
            r = p.parse(b);
            assertThat(r == null).isEqualTo(i + 1 < REQ.length());
        }
        assertThat(r).isNotNull();
        b.limit(all.length);
        assertThat(b.position()).isEqualTo(REQ.length());
        assertThat(b.remaining()).isEqualTo(8);
        assertThat(p.consumed()).isEqualTo(REQ.length());
    }

    @Test
    void acceptsBareLfAndLeadingEmptyLines() throws Exception {
        HttpRequest r = new HttpUpgradeRequestParser().parse(buf("\r\n\nGET / HTTP/1.1\nHost: h\n\nrest"));
        assertThat(r).isNotNull();
        assertThat(r.headers().get("host")).isEqualTo("h");
    }

    @Test
    void incompleteReturnsNull() throws Exception {
        assertThat(new HttpUpgradeRequestParser().parse(buf("GET / HTTP/1.1\r\nHost: x\r\n"))).isNull();
    }

    @Test
    void overLimitIs431EvenBeforeTheBlockEnds() {
        HttpUpgradeRequestParser p = new HttpUpgradeRequestParser(64);
        String big = "GET / HTTP/1.1\r\nX: " + "a".repeat(100);
        assertThatThrownBy(() -> p.parse(buf(big))).isInstanceOfSatisfying(HttpParseException.class,
                e -> assertThat(e.status()).isEqualTo(431));
    }

    @Test
    void defaultLimitIs8KiB() throws Exception {
        String head = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
        String okReq = head + "a".repeat(8192 - head.length() - 4) + "\r\n\r\n";
        assertThat(okReq.length()).isEqualTo(8192);
        assertThat(new HttpUpgradeRequestParser().parse(buf(okReq))).isNotNull();
        String tooBig = head + "a".repeat(8192 - head.length() - 3) + "\r\n\r\n";
        assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(buf(tooBig)))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(431));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 x\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\u0001c\r\n\r\n",
    })
    void malformedIs400(String req) {
        assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(buf(req)))
                .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void nonGetIs405AsSoonAsTheRequestLineIsComplete() {
        for (String m : List.of("POST", "PUT", "HEAD", "get")) {
            assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(buf(m + " / HTTP/1.1\r\n")))
                    .isInstanceOfSatisfying(HttpParseException.class, e -> {
                        assertThat(e.status()).isEqualTo(405);
                        assertThat(new String(e.response(), StandardCharsets.ISO_8859_1)).contains("Allow: GET\r\n");
                    });
        }
    }

    @Test
    void headerNamesAreLowerCasedKnownOrNotAndHeadersKeepOrder() throws Exception {
        String req = "GET / HTTP/1.0\r\n"
                + "HOST: h\r\n"
                + "Sec-WebSocket-KEY: k\r\n"
                + "X-Custom-Thing: 1\r\n"
                + "sec-websocket-key1: a\r\n"
                + "Hos: not-host\r\n"
                + "X-CUSTOM-thing: 2\r\n"
                + "\r\n";
        HttpRequest r = new HttpUpgradeRequestParser().parse(buf(req));
        assertThat(r.version()).isEqualTo("HTTP/1.0");
        HttpHeaders h = r.headers();
        assertThat(h.names()).containsExactly("host", "sec-websocket-key", "x-custom-thing", "sec-websocket-key1", "hos");
        assertThat(h.get("Sec-WebSocket-Key")).isEqualTo("k");
        assertThat(h.get("sec-websocket-key1")).isEqualTo("a");
        assertThat(h.get("host")).isEqualTo("h");
        assertThat(h.get("hos")).isEqualTo("not-host");
        assertThat(h.getAll("x-custom-THING")).containsExactly("1", "2");
        assertThat(h.count("X-Custom-Thing")).isEqualTo(2);
        assertThat(h.count("absent")).isZero();
        assertThat(h.getAll("absent")).isEmpty();
        assertThat(h.contains("HOS")).isTrue();
        assertThat(h.toString())
                .isEqualTo("{host=[h], sec-websocket-key=[k], x-custom-thing=[1, 2], sec-websocket-key1=[a], hos=[not-host]}");
    }

    @Test
    void tokenListsSkipEmptyElementsAndWhitespaceAcrossLines() throws Exception {
        String req = "GET / HTTP/1.1\r\n"
                + "Connection: ,, keep-alive ,\tUpgrade\t,\r\n"
                + "Connection:\r\n"
                + "Connection: close,upgrade2\r\n"
                + "\r\n";
        HttpHeaders h = new HttpUpgradeRequestParser().parse(buf(req)).headers();
        assertThat(h.tokens("Connection")).containsExactly("keep-alive", "Upgrade", "close", "upgrade2");
        assertThat(h.containsToken("connection", "UPGRADE")).isTrue();
        assertThat(h.containsToken("connection", "upgrade2")).isTrue();
        assertThat(h.containsToken("connection", "upgrad")).isFalse();
        assertThat(h.containsToken("connection", "")).isFalse();
        assertThat(h.containsToken("connection", "keep-alive ,")).isFalse();
        assertThat(h.containsToken("absent", "x")).isFalse();
        assertThat(h.tokens("absent")).isEmpty();
    }

    @Test
    void manyHeadersAndALongRequestGrowTheBuffer() throws Exception {
        StringBuilder sb = new StringBuilder("GET /").append("p".repeat(3000)).append(" HTTP/1.1\r\n");
        for (int i = 0; i < 40; i++) {
            sb.append("X-H").append(i).append(": v").append(i).append("\r\n");
        }
        String req = sb.append("\r\n").toString();
        for (int chunk : new int[] {1, 7, 100, req.length()}) {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            ByteBuffer b = buf(req);
            HttpRequest r = null;
            for (int end = Math.min(chunk, req.length()); r == null; end = Math.min(end + chunk, req.length())) {
                b.limit(end);
                r = p.parse(b);
            }
            assertThat(r.target()).hasSize(3001);
            assertThat(r.headers().names()).hasSize(40);
            assertThat(r.headers().get("x-h39")).isEqualTo("v39");
            assertThat(p.consumed()).isEqualTo(req.length());
        }
    }

    /** Whether {@code c} is a tchar of RFC 9110 section 5.6.2, written out here independently of the parser. */
    static boolean isTchar(int c) {
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    /** Feeds {@code bytes} one byte per {@code parse} call; returns the exception, failing if there was none. */
    static HttpParseException byteByByteError(HttpUpgradeRequestParser p, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            ByteBuffer one = ByteBuffer.wrap(bytes, i, 1);
            try {
                assertThat(p.parse(one)).isNull();
            } catch (HttpParseException e) {
                assertThat(one.position()).as("the bad byte was consumed, nothing after it").isEqualTo(i + 1);
                return e;
            }
        }
        throw new AssertionError("no error");
    }

    @Nested
    @DisplayName("RFC 9112 section 3 / RFC 9110 section 5.6.2: bytes that cannot start a request are refused at once")
    class NotAnHttpRequest {
        @Test
        @DisplayName("a TLS ClientHello on the plain port: 400 at its first byte, saying TLS")
        void tlsClientHello() {
            byte[] hello = jdkClientHello("example.com");
            assertThat(hello[0]).isEqualTo((byte) 0x16);
            ByteBuffer b = ByteBuffer.wrap(hello);
            assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(b)).isInstanceOfSatisfying(HttpParseException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.getMessage()).contains("0x16").contains("TLS");
                assertThat(new String(e.response(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400 Bad Request\r\n")
                        .contains("Connection: close\r\n");
            });
            assertThat(b.position()).as("decided on the first byte").isEqualTo(1);
        }

        @Test
        @DisplayName("every byte that is not a tchar (nor CR or LF, skipped as leading empty lines) is refused alone")
        void everyNonTcharFirstByte() throws Exception {
            for (int c = 0; c < 256; c++) {
                HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
                ByteBuffer one = ByteBuffer.wrap(new byte[] {(byte) c});
                if (c == '\r' || c == '\n' || isTchar(c)) {
                    assertThat(p.parse(one)).as("byte 0x%02X can start a request", c).isNull();
                } else {
                    int code = c;
                    assertThatThrownBy(() -> p.parse(one)).as("byte 0x%02X", c).isInstanceOfSatisfying(
                            HttpParseException.class, e -> {
                                assertThat(e.status()).isEqualTo(400);
                                assertThat(e.getMessage()).contains(String.format("0x%02X", code));
                            });
                }
            }
        }

        @Test
        @DisplayName("after leading empty lines, and in the middle of the method token, the bad byte decides")
        void laterMethodBytes() {
            assertThat(byteByByteError(new HttpUpgradeRequestParser(), "\r\n\r\n\u0016\u0003\u0001".getBytes(
                    StandardCharsets.ISO_8859_1)).getMessage()).contains("first byte 0x16");
            HttpParseException mid = byteByByteError(new HttpUpgradeRequestParser(),
                    "GE\u0000T / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(mid.status()).isEqualTo(400);
            assertThat(mid.getMessage()).isEqualTo("Malformed method: byte 0x00");
            assertThat(byteByByteError(new HttpUpgradeRequestParser(), " GET / HTTP/1.1\r\n".getBytes(
                    StandardCharsets.ISO_8859_1)).getMessage()).as("a request line cannot start with SP").contains("0x20");
            assertThat(byteByByteError(new HttpUpgradeRequestParser(), "GET\r\n".getBytes(StandardCharsets.ISO_8859_1))
                    .status()).as("a line that ends inside the method").isEqualTo(400);
        }

        @Test
        @DisplayName("random binary garbage starting with a non-tchar byte is refused at that byte, however split")
        void binaryGarbage() {
            java.util.Random rnd = new java.util.Random(42);
            for (int i = 0; i < 200; i++) {
                byte[] g = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(g);
                if (g[0] == '\r' || g[0] == '\n' || isTchar(g[0] & 0xFF)) {
                    g[0] = (byte) 0x80;
                }
                HttpParseException e = byteByByteError(new HttpUpgradeRequestParser(), g);
                assertThat(e.status()).isEqualTo(400);
                ByteBuffer whole = ByteBuffer.wrap(g);
                assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(whole)).isInstanceOf(HttpParseException.class);
                assertThat(whole.position()).isEqualTo(1);
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"get", "Get", "FOO", "M-SEARCH", "PRI"})
        @DisplayName("a lowercase or unknown method is a token, not garbage: 405 once the request line is complete")
        void unknownMethodIsNotGarbage(String method) throws Exception {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            byte[] line = (method + " / HTTP/1.1\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < line.length - 1; i++) {
                assertThat(p.parse(ByteBuffer.wrap(line, i, 1))).isNull();
            }
            assertThatThrownBy(() -> p.parse(ByteBuffer.wrap(line, line.length - 1, 1)))
                    .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(405));
        }

        @Test
        @DisplayName("a valid request in 1-byte reads is unaffected (every byte of the method is checked as it comes)")
        void validRequestByteByByte() throws Exception {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            byte[] all = ("\r\n" + REQ).getBytes(StandardCharsets.ISO_8859_1);
            HttpRequest r = null;
            for (int i = 0; i < all.length; i++) {
                assertThat(r).isNull();
                r = p.parse(ByteBuffer.wrap(all, i, 1));
            }
            assertThat(r).isNotNull();
            assertThat(r.target()).isEqualTo("/chat?room=1");
        }

        @Test
        @DisplayName("reset() forgets that the method ended")
        void resetStartsOver() throws Exception {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            assertThat(p.parse(buf(REQ))).isNotNull();
            p.reset();
            assertThatThrownBy(() -> p.parse(buf("\u0016"))).isInstanceOf(HttpParseException.class);
            p.reset();
            assertThat(p.parse(buf(REQ)).target()).isEqualTo("/chat?room=1");
        }
    }

    static HttpRequest parseTarget(String target) throws HttpParseException {
        return new HttpUpgradeRequestParser().parse(buf("GET " + target + " HTTP/1.1\r\nHost: received.example\r\n\r\n"));
    }

    @Nested
    @DisplayName("RFC 9112 section 3.2.2: absolute-form request-target")
    class AbsoluteForm {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "ws://example.com:9001/chat?room=1      | ws    | example.com:9001 | /chat?room=1 | /chat",
            "wss://example.com/chat                 | wss   | example.com      | /chat        | /chat",
            "http://127.0.0.1:8080/healthz          | http  | 127.0.0.1:8080   | /healthz     | /healthz",
            "HTTPS://Example.COM/a/b/?x=1&y=/z?     | https | Example.COM      | /a/b/?x=1&y=/z? | /a/b/",
            "ws://example.com                       | ws    | example.com      | /            | /",
            "ws://example.com?x=1                   | ws    | example.com      | /?x=1        | /",
            "ws://[::1]:9001/v6                     | ws    | [::1]:9001       | /v6          | /v6",
            "ws://[v7.fe80::1]/future               | ws    | [v7.fe80::1]     | /future      | /future",
            "ws://ex%41mple.com:/p                  | ws    | ex%41mple.com:   | /p           | /p",
            "ws://a-b_c~d.!$&'()*+,;=/sub-delims     | ws    | a-b_c~d.!$&'()*+,;= | /sub-delims | /sub-delims",
            "http://example.com//double//slash      | http  | example.com      | //double//slash | //double//slash",
        })
        @DisplayName("the path and query become the origin-form target; scheme (lower case) and authority are kept")
        void parses(String uri, String scheme, String authority, String target, String path) throws Exception {
            HttpRequest r = parseTarget(uri);
            assertThat(r.isAbsoluteForm()).isTrue();
            assertThat(r.scheme()).isEqualTo(scheme);
            assertThat(r.authority()).isEqualTo(authority);
            assertThat(r.target()).isEqualTo(target);
            assertThat(r.path()).isEqualTo(path);
            // RFC 9112 section 3.2.2: the authority, not the received Host, is the request's host
            assertThat(r.host()).isEqualTo(authority);
            assertThat(r.headers().get("Host")).as("the header itself is kept as received").isEqualTo("received.example");
        }

        @Test
        @DisplayName("origin-form has no scheme or authority; its host is the Host header")
        void originForm() throws Exception {
            HttpRequest r = parseTarget("/chat?x=1");
            assertThat(r.isAbsoluteForm()).isFalse();
            assertThat(r.scheme()).isNull();
            assertThat(r.authority()).isNull();
            assertThat(r.host()).isEqualTo("received.example");
            HttpRequest noHost = new HttpUpgradeRequestParser().parse(buf("GET / HTTP/1.0\r\n\r\n"));
            assertThat(noHost.host()).isNull();
        }

        @Test
        @DisplayName("an absolute-form request in 1-byte reads gives the same request")
        void byteByByte() throws Exception {
            String req = "GET wss://example.com:443/chat?room=1 HTTP/1.1\r\nHost: h\r\n\r\n";
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            HttpRequest r = null;
            byte[] all = req.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < all.length; i++) {
                r = p.parse(ByteBuffer.wrap(all, i, 1));
            }
            assertThat(r.toString()).isEqualTo(new HttpUpgradeRequestParser().parse(buf(req)).toString());
            assertThat(r.target()).isEqualTo("/chat?room=1");
            assertThat(r.authority()).isEqualTo("example.com:443");
        }

        @Test
        @DisplayName("reset() forgets the previous request's scheme and authority")
        void resetForgets() throws Exception {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            assertThat(p.parse(buf("GET ws://a/x HTTP/1.1\r\n\r\n")).authority()).isEqualTo("a");
            p.reset();
            HttpRequest r = p.parse(buf("GET /y HTTP/1.1\r\n\r\n"));
            assertThat(r.authority()).isNull();
            assertThat(r.scheme()).isNull();
            assertThat(r.target()).isEqualTo("/y");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
            "ws:/one-slash", "ws:host/p", "ws:", "ws:/", "ws://", "ws:///path", "ws://?q", "ws://:9001/",
            "ws://user@host/", "ws://user:pw@host/", "ws://@host/",
            "ws://host:80x/", "ws://host:-1/", "ws://host:port/", "ws://ho^st/", "ws://ho\"st/", "ws://ho{st}/",
            "ws://[::1/", "ws://[]/", "ws://[::1]x/", "ws://[::1]]/", "ws://[::1%eth0]/", "ws://ho%zzst/", "ws://ho%4/",
            "ws://h\u00e9st/",
            "ws://host/p#frag", "ws://host#", "/p#frag", "/#",
            "ftp://host/", "file:///etc/passwd", "mailto:a@b", "urn:x:y", "ws+x://host/", "1ws://host/", "-ws://h/",
            "*", "chat", "example.com:443", "?q", "ws//host/",
        })
        @DisplayName("malformed absolute URIs, other schemes and targets of neither form are 400 at the request line")
        void malformedIs400(String target) {
            HttpUpgradeRequestParser p = new HttpUpgradeRequestParser();
            // the request line alone: the error must not wait for the header block
            assertThatThrownBy(() -> p.parse(buf("GET " + target + " HTTP/1.1\r\n")))
                    .isInstanceOfSatisfying(HttpParseException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(new String(e.response(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400 ");
                    });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"OPTIONS * HTTP/1.1", "CONNECT example.com:443 HTTP/1.1", "POST ws://h/p HTTP/1.1",
            "PUT ftp://x HTTP/1.1"})
        @DisplayName("asterisk-form and authority-form belong to OPTIONS and CONNECT (RFC 9112 section 3.2.3, 3.2.4): 405")
        void otherFormsOfOtherMethodsAre405(String line) {
            assertThatThrownBy(() -> new HttpUpgradeRequestParser().parse(buf(line + "\r\n")))
                    .isInstanceOfSatisfying(HttpParseException.class, e -> assertThat(e.status()).isEqualTo(405));
        }
    }

    /**
     * The first flight of a real TLS client (the JDK's): a handshake record (first byte 0x16) holding a ClientHello
     * for {@code host}, as a TLS client pointed at a plain-HTTP port would send it. (keel-websocket's test
     * {@code ClientWire} has the same for its socket tests; this module cannot see that one.)
     */
    private static byte[] jdkClientHello(String host) {
        try {
            javax.net.ssl.SSLEngine engine = javax.net.ssl.SSLContext.getDefault().createSSLEngine(host, 443);
            engine.setUseClientMode(true);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            return java.util.Arrays.copyOf(out.array(), out.position());
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("no TLS client", e);
        }
    }
}
