package io.keel.websocket.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
}
