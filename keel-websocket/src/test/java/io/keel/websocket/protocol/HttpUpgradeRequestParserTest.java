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
}
