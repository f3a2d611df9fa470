package io.keel.websocket.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.http.HttpResponses;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HandshakeTest {
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    static String hybi(String version, String extra) {
        return "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\n"
                + (version == null ? "" : "Sec-WebSocket-Version: " + version + "\r\n") + extra + "\r\n";
    }

    static final String HIXIE = "GET /demo HTTP/1.1\r\n"
            + "Host: example.com\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"
            + "Sec-WebSocket-Protocol: sample\r\n"
            + "Upgrade: WebSocket\r\n"
            + "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
            + "Origin: http://example.com\r\n"
            + "\r\n";

    static final String HIXIE_SPEC_KEYS = "GET /demo HTTP/1.1\r\n"
            + "Host: example.com\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key1: 18x 6]8vM;54 *(5:  {   U1]8  z [  8\r\n"
            + "Sec-WebSocket-Key2: 1_ tx7X d  <  nw  334J702) 7]o}` 0\r\n"
            + "Upgrade: WebSocket\r\n"
            + "Origin: http://example.com\r\n"
            + "\r\n";

    static HandshakeResult run(HandshakeConfig cfg, String req) {
        return new Handshaker(cfg).receive(ByteBuffer.wrap(req.getBytes(StandardCharsets.ISO_8859_1)));
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The response's header lines (after the status line, before the blank line). */
    static List<String> headerLines(byte[] response) {
        String s = str(response);
        return List.of(s.substring(s.indexOf("\r\n") + 2, s.indexOf("\r\n\r\n")).split("\r\n"));
    }

    @Nested
    @DisplayName("RFC 6455 §4.2.1 reading the client's opening handshake")
    class ReadingTheClientHandshake {
        @Test
        void plainGetIsNotWebSocket() {
            HandshakeResult r = run(HandshakeConfig.defaults(), "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.NotWebSocket.class,
                    n -> assertThat(n.request().target()).isEqualTo("/index.html"));
            HandshakeResult h2c = run(HandshakeConfig.defaults(), "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
            assertThat(h2c).isInstanceOf(HandshakeResult.NotWebSocket.class);
            HandshakeResult http10 = run(HandshakeConfig.defaults(), "GET / HTTP/1.0\r\n\r\n");
            assertThat(http10).isInstanceOf(HandshakeResult.NotWebSocket.class);
        }

        @Test
        void upgradeAndConnectionAreCaseInsensitiveTokenLists() {
            String req = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: foo, WebSocket\r\nConnection: keep-alive\r\nConnection: UPGRADE\r\n"
                    + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            assertThat(run(HandshakeConfig.defaults(), req)).isInstanceOf(HandshakeResult.Accepted.class);
        }

        @Test
        void badUpgradeRequestsAre400() {
            String noConnection = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            String noHost = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            String http10 = hybi("13", "").replace("HTTP/1.1", "HTTP/1.0");
            String noKey = hybi("13", "").replace("Sec-WebSocket-Key: " + KEY + "\r\n", "");
            String shortKey = hybi("13", "").replace(KEY, "AAAAAAAAAAAAAAAAAAAAAA==AA");
            String badB64 = hybi("13", "").replace(KEY, "dGhlIHNhbXBsZSBub25jZQ!!");
            String twoKeys = hybi("13", "Sec-WebSocket-Key: " + KEY + "\r\n");
            for (String req : List.of(noConnection, noHost, http10, noKey, shortKey, badB64, twoKeys)) {
                HandshakeResult r = run(HandshakeConfig.defaults(), req);
                assertThat(r).as(req).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                    assertThat(rej.status()).isEqualTo(400);
                    assertThat(str(rej.response())).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n");
                });
            }
        }

        @Test
        void parseErrorsBecomeRejections() {
            assertThat(((HandshakeResult.Rejected) run(HandshakeConfig.defaults(), "POST / HTTP/1.1\r\n\r\n")).status()).isEqualTo(405);
            assertThat(((HandshakeResult.Rejected) run(HandshakeConfig.defaults(), "garbage\r\n\r\n")).status()).isEqualTo(400);
            HandshakeResult big = run(HandshakeConfig.defaults().withMaxHeaderBytes(100), hybi("13", "X: " + "y".repeat(200) + "\r\n"));
            assertThat(big).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(431);
                assertThat(rej.request()).isNull();
            });
        }
    }

    @Nested
    @DisplayName("RFC 6455 §4.2.2 sending the server's opening handshake: accept key, subprotocol, origin")
    class SendingTheServerHandshake {
        @Test
        void rfc6455Section13AcceptKey() {
            assertThat(Handshake.acceptKey(KEY)).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            // the per-thread digest is reset between uses
            assertThat(Handshake.acceptKey(KEY)).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }

        @Test
        void acceptsRfc6455WithExactResponse() {
            HandshakeResult r = run(HandshakeConfig.defaults(), hybi("13", "Origin: http://example.com\r\n"));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.version()).isEqualTo(ProtocolVersion.RFC_6455);
                assertThat(a.origin()).isEqualTo("http://example.com");
                assertThat(a.subprotocol()).isNull();
                assertThat(str(a.response())).isEqualTo("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
            });
        }

        @Test
        void subprotocolSelectorAndOriginValidator() {
            HandshakeConfig cfg = HandshakeConfig.defaults()
                    .withSubprotocolSelector(offered -> offered.contains("chat") ? "chat" : null)
                    .withOriginValidator(o -> o != null && o.endsWith("example.com"));
            HandshakeResult ok = run(cfg, hybi("13", "Origin: http://example.com\r\nSec-WebSocket-Protocol: superchat, chat\r\n"));
            assertThat(ok).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.subprotocol()).isEqualTo("chat");
                assertThat(str(a.response())).contains("Sec-WebSocket-Protocol: chat\r\n");
            });
            HandshakeResult none = run(cfg, hybi("13", "Origin: http://example.com\r\nSec-WebSocket-Protocol: other\r\n"));
            assertThat(str(((HandshakeResult.Accepted) none).response())).doesNotContain("Sec-WebSocket-Protocol");
            HandshakeResult forbidden = run(cfg, hybi("13", "Origin: http://evil.org\r\n"));
            assertThat(((HandshakeResult.Rejected) forbidden).status()).isEqualTo(403);
            // a selector answer the client did not offer is ignored
            HandshakeConfig liar = HandshakeConfig.defaults().withSubprotocolSelector(offered -> "notoffered");
            assertThat(((HandshakeResult.Accepted) run(liar, hybi("13", "Sec-WebSocket-Protocol: a\r\n"))).subprotocol()).isNull();
        }

        @Test
        void errorResponsesAreWellFormed() {
            for (int status : new int[] {400, 405, 426, 431}) {
                String s = str(HttpResponses.error(status, "why\r\nnot"));
                // a 426 also names the upgrade option (RFC 9110 section 7.8); every error closes
                assertThat(s).startsWith("HTTP/1.1 " + status + " " + HttpResponses.reasonPhrase(status) + "\r\n")
                        .contains(status == 426 ? "Connection: Upgrade, close\r\n" : "Connection: close\r\n");
                int bodyStart = s.indexOf("\r\n\r\n") + 4;
                int len = Integer.parseInt(s.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                assertThat(s.length() - bodyStart).isEqualTo(len);
                assertThat(s.substring(bodyStart)).doesNotContain("\r");
            }
            assertThat(str(HttpResponses.ok("text/html", "<p>hi</p>".getBytes(StandardCharsets.UTF_8), false)))
                    .isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9\r\nConnection: close\r\n\r\n<p>hi</p>");
        }
    }

    @Nested
    @DisplayName("RFC 6455 §4.4 supporting multiple versions: HyBi-07/08 and 13, 426 with Sec-WebSocket-Version")
    class MultipleVersions {
        @Test
        void detectsHybi08And07AndUsesSecWebSocketOrigin() {
            HandshakeResult r8 = run(HandshakeConfig.defaults(), hybi("8", "Sec-WebSocket-Origin: http://o8\r\n"));
            assertThat(r8).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.version()).isEqualTo(ProtocolVersion.HYBI_08);
                assertThat(a.origin()).isEqualTo("http://o8");
                assertThat(str(a.response())).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
            });
            HandshakeResult r7 = run(HandshakeConfig.defaults(), hybi("7", "Sec-WebSocket-Origin: http://o7\r\nOrigin: http://wrong\r\n"));
            assertThat(r7).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.version()).isEqualTo(ProtocolVersion.HYBI_07);
                assertThat(a.origin()).isEqualTo("http://o7");
            });
            // RFC 6455 uses Origin, not Sec-WebSocket-Origin
            HandshakeResult r13 = run(HandshakeConfig.defaults(), hybi("13", "Sec-WebSocket-Origin: http://x\r\n"));
            assertThat(((HandshakeResult.Accepted) r13).origin()).isNull();
        }

        @Test
        void unknownOrMissingVersionIs426ListingSupportedVersions() {
            for (String v : new String[] {"12", "0", "abc", "1234567", null}) {
                HandshakeResult r = run(HandshakeConfig.defaults(), hybi(v, ""));
                assertThat(r).as("version " + v).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                    assertThat(rej.status()).isEqualTo(426);
                    assertThat(str(rej.response())).startsWith("HTTP/1.1 426 Upgrade Required\r\n")
                            .contains("Sec-WebSocket-Version: 13, 8, 7\r\n").contains("Connection: Upgrade, close\r\n");
                });
            }
            HandshakeResult twoHeaders = run(HandshakeConfig.defaults(), hybi("13", "Sec-WebSocket-Version: 8\r\n"));
            assertThat(((HandshakeResult.Rejected) twoHeaders).status()).isEqualTo(426);
        }

        @Test
        void disabledVersionsAreRejected() {
            HandshakeConfig only13 = HandshakeConfig.defaults().withVersions(ProtocolVersion.RFC_6455);
            HandshakeResult r = run(only13, hybi("8", ""));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(426);
                assertThat(str(rej.response())).contains("Sec-WebSocket-Version: 13\r\n");
            });
            HandshakeResult h = run(only13, HIXIE + "12345678");
            assertThat(((HandshakeResult.Rejected) h).status()).isEqualTo(400);
            HandshakeConfig no13 = HandshakeConfig.defaults().withVersions(ProtocolVersion.HYBI_08, ProtocolVersion.HYBI_07);
            HandshakeResult r13 = run(no13, hybi("13", ""));
            assertThat(str(((HandshakeResult.Rejected) r13).response())).contains("Sec-WebSocket-Version: 8, 7\r\n");
        }
    }

    @Nested
    @DisplayName("draft-hixie-thewebsocketprotocol-76 §1.3, §5.2: key1, key2, key3 and the challenge response")
    class Hixie76Handshake {
        @Test
        void hixie76KeyNumbers() {
            assertThat(Handshake.hixie76KeyNumber("18x 6]8vM;54 *(5:  {   U1]8  z [  8")).isEqualTo(155712099L);
            // the draft's key2 ends in "0" (1733470270 / 10); with a trailing "8" the division is not exact → rejected
            assertThat(Handshake.hixie76KeyNumber("1_ tx7X d  <  nw  334J702) 7]o}` 0")).isEqualTo(173347027L);
            assertThat(Handshake.hixie76KeyNumber("1_ tx7X d  <  nw  334J702) 7]o}` 8")).isEqualTo(-1);
            assertThat(Handshake.hixie76KeyNumber("12345")).isEqualTo(-1); // no spaces
        }

        @Test
        void hixie76KeyValidation() {
            assertThat(Handshake.hixie76KeyNumber("1 2 ")).isEqualTo(6L);
            assertThat(Handshake.hixie76KeyNumber("1 3 ")).isEqualTo(-1); // 13 / 2 not an integer
            assertThat(Handshake.hixie76KeyNumber("  ")).isEqualTo(-1); // no digits
            assertThat(Handshake.hixie76KeyNumber("9999999999999999999 ")).isEqualTo(-1); // overflow
            assertThat(Handshake.hixie76KeyNumber("4294967296 ")).isEqualTo(-1); // > 32 bits
            assertThat(Handshake.hixie76KeyNumber("4294967295 ")).isEqualTo(4294967295L);
        }

        @Test
        void hixie76SpecWorkedExample() {
            byte[] challenge = Handshake.hixie76Challenge(155712099L, 173347027L, "Tm[K T2u".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(str(challenge)).isEqualTo("fQJ,fN/4F4!~K~MH");
            HandshakeResult r = run(HandshakeConfig.defaults(), HIXIE_SPEC_KEYS + "Tm[K T2u");
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.version()).isEqualTo(ProtocolVersion.HIXIE_76);
                assertThat(str(a.response())).isEqualTo("HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n"
                        + "Sec-WebSocket-Location: ws://example.com/demo\r\n\r\nfQJ,fN/4F4!~K~MH");
            });
        }

        @Test
        void hixie76ByteByByteWaitsForTheBodyAndLeavesFramesInTheBuffer() {
            byte[] all = (HIXIE + "^n:ds[4U" + "\u0000hi\u00ff").getBytes(StandardCharsets.ISO_8859_1);
            HandshakeConfig cfg = HandshakeConfig.defaults().withSecure(true).withSubprotocolSelector(o -> o.get(0));
            Handshaker h = new Handshaker(cfg);
            ByteBuffer b = ByteBuffer.wrap(all);
            HandshakeResult r = HandshakeResult.NeedMoreData.INSTANCE;
            int i = 0;
            while (r == HandshakeResult.NeedMoreData.INSTANCE) {
                b.limit(++i);
                r = h.receive(b);
            }
            assertThat(i).isEqualTo(HIXIE.length() + 8);
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                // example from draft-hixie-76 section 1.3 (response 8jKS'y:G*Co,Wxa-)
                assertThat(str(a.response())).isEqualTo("HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n"
                        + "Sec-WebSocket-Location: wss://example.com/demo\r\nSec-WebSocket-Protocol: sample\r\n\r\n8jKS'y:G*Co,Wxa-");
                assertThat(a.subprotocol()).isEqualTo("sample");
            });
            b.limit(all.length);
            assertThat(b.remaining()).isEqualTo(4);
            assertThat(h.result()).isSameAs(r);
        }

        @Test
        void hixie76InvalidKeysOrMissingOriginAre400() {
            String badKey = HIXIE_SPEC_KEYS.replace("18x 6]8vM;54 *(5:  {   U1]8  z [  8", "123456");
            String noOrigin = HIXIE_SPEC_KEYS.replace("Origin: http://example.com\r\n", "");
            for (String req : List.of(badKey, noOrigin)) {
                HandshakeResult r = run(HandshakeConfig.defaults(), req + "Tm[K T2u");
                assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> assertThat(rej.status()).isEqualTo(400));
            }
        }
    }

    @Nested
    @DisplayName("RFC 9110 §15.5.22 / 7.8: a 426 names the protocol to upgrade to")
    class UpgradeRequired426 {
        @ParameterizedTest(name = "Sec-WebSocket-Version: {0}")
        @ValueSource(strings = {"", "12", "abc", "013"})
        @DisplayName("every 426 carries Upgrade: websocket, Connection with the upgrade and close options and the versions")
        void headers(String version) {
            HandshakeResult r = run(HandshakeConfig.defaults(), hybi(version.isEmpty() ? null : version, ""));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(426);
                assertThat(headerLines(rej.response())).contains("Upgrade: websocket", "Connection: Upgrade, close",
                        "Sec-WebSocket-Version: 13, 8, 7");
                // exactly one Connection line: a client that keeps one value per header name still sees both options
                assertThat(headerLines(rej.response()).stream().filter(l -> l.startsWith("Connection:"))).hasSize(1);
            });
        }

        @Test
        @DisplayName("a version turned off here is a 426 with the same headers, listing what is on")
        void disabledVersion() {
            HandshakeConfig only13 = HandshakeConfig.defaults().withVersions(ProtocolVersion.RFC_6455);
            HandshakeResult r = run(only13, hybi("8", ""));
            assertThat(headerLines(((HandshakeResult.Rejected) r).response()))
                    .contains("Upgrade: websocket", "Connection: Upgrade, close", "Sec-WebSocket-Version: 13");
        }

        @Test
        @DisplayName("HttpResponses.error(426) alone already carries Upgrade; other statuses do not")
        void intrinsicToTheStatus() {
            assertThat(headerLines(HttpResponses.error(426, "x"))).contains("Upgrade: websocket", "Connection: Upgrade, close");
            for (int status : new int[] {400, 403, 404, 405, 431}) {
                assertThat(headerLines(HttpResponses.error(status, "x"))).contains("Connection: close")
                        .noneMatch(l -> l.startsWith("Upgrade:"));
            }
        }
    }

    @Nested
    @DisplayName("RFC 9112 §3 / RFC 9110 §5.6.2: the Handshaker refuses a non-token first byte at once")
    class NotAnHttpRequest {
        @Test
        @DisplayName("a 1-byte read of 0x16 is a final 400 with no request; later reads consume nothing")
        void tlsRecordTypeAlone() {
            Handshaker h = new Handshaker(HandshakeConfig.defaults());
            ByteBuffer first = ByteBuffer.wrap(new byte[] {0x16});
            HandshakeResult r = h.receive(first);
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.request()).isNull();
                assertThat(str(rej.response())).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("TLS");
            });
            assertThat(first.hasRemaining()).isFalse();
            ByteBuffer more = ByteBuffer.wrap(new byte[] {0x03, 0x01});
            assertThat(h.receive(more)).isSameAs(r);
            assertThat(more.position()).isZero();
        }

        @Test
        @DisplayName("a request whose method is a lowercase token is answered 405, not refused as garbage")
        void lowercaseMethod() {
            assertThat(((HandshakeResult.Rejected) run(HandshakeConfig.defaults(), hybi("13", "").replaceFirst("GET", "get")))
                    .status()).isEqualTo(405);
        }
    }

    @Nested
    @DisplayName("RFC 6455 §4.2.1: WebSocket handshake headers without Upgrade: websocket are a 400, not a page")
    class HandshakeHeadersWithoutUpgrade {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5",
            "sec-websocket-key2: 12998 5 Y3 1  .P00"})
        @DisplayName("each handshake header alone, no Upgrade: 400 whose body names it")
        void eachHeader(String header) {
            HandshakeResult r = run(HandshakeConfig.defaults(), "GET /chat HTTP/1.1\r\nHost: h\r\n" + header + "\r\n\r\n");
            String name = header.substring(0, header.indexOf(':'));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.request()).isNotNull();
                String body = str(rej.response()).substring(str(rej.response()).indexOf("\r\n\r\n") + 4);
                assertThat(body).startsWith("400 Bad Request: ").containsIgnoringCase(name)
                        .contains("without 'Upgrade: websocket'").contains("RFC 6455 section 4.2.1");
            });
        }

        @Test
        @DisplayName("a full RFC 6455 handshake whose Upgrade names another protocol: 400 saying so")
        void upgradeToAnotherProtocol() {
            HandshakeResult r = run(HandshakeConfig.defaults(), hybi("13", "").replace("Upgrade: websocket", "Upgrade: h2c"));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.reason()).contains("Upgrade header that does not list 'websocket'");
            });
        }

        @Test
        @DisplayName("a Hixie-76 handshake without Upgrade: 400 before any key3 is read (nothing past the head)")
        void hixie76WithoutUpgrade() {
            String req = HIXIE.replace("Upgrade: WebSocket\r\n", "");
            ByteBuffer in = ByteBuffer.wrap((req + "^n:ds[4U").getBytes(StandardCharsets.ISO_8859_1));
            HandshakeResult r = new Handshaker(HandshakeConfig.defaults()).receive(in);
            assertThat(((HandshakeResult.Rejected) r).status()).isEqualTo(400);
            assertThat(in.remaining()).isEqualTo(8);
        }

        @Test
        @DisplayName("an HTTP/1.0 request with a key is refused the same way")
        void http10() {
            HandshakeResult r = run(HandshakeConfig.defaults(), "GET / HTTP/1.0\r\nSec-WebSocket-Key: " + KEY + "\r\n\r\n");
            assertThat(((HandshakeResult.Rejected) r).status()).isEqualTo(400);
        }

        @Test
        @DisplayName("a plain GET, even with optional WebSocket headers or Connection: Upgrade, still goes to the HTTP fallback")
        void plainGetStillFallsBack() {
            for (String extra : List.of("", "Sec-WebSocket-Protocol: chat\r\n", "Sec-WebSocket-Extensions: x\r\n",
                    "Connection: Upgrade\r\n", "Origin: http://example.com\r\n")) {
                HandshakeResult r = run(HandshakeConfig.defaults(), "GET / HTTP/1.1\r\nHost: h\r\n" + extra + "\r\n");
                assertThat(r).as(extra).isInstanceOf(HandshakeResult.NotWebSocket.class);
            }
        }
    }

    @Nested
    @DisplayName("RFC 9112 §3.2.2: absolute-form request-target, for every version")
    class AbsoluteForm {
        @ParameterizedTest(name = "version {0}, {1}")
        @CsvSource({"13, ws://server.example.com:9001", "13, wss://server.example.com", "8, http://server.example.com",
            "7, https://server.example.com:8443", "13, WS://Server.Example.COM"})
        @DisplayName("HyBi: accepted; the request's target and path are the URI's, its host the URI's authority")
        void hybiVersions(String version, String base) {
            String req = hybi(version, "").replace("GET /chat ", "GET " + base + "/chat?room=1 ")
                    .replace("Host: server.example.com", "Host: proxy.internal");
            HandshakeResult r = run(HandshakeConfig.defaults(), req);
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(a.version().wireVersion()).isEqualTo(Integer.parseInt(version));
                assertThat(a.request().target()).isEqualTo("/chat?room=1");
                assertThat(a.request().path()).isEqualTo("/chat");
                assertThat(a.request().host()).isEqualTo(base.substring(base.indexOf("//") + 2));
                assertThat(str(a.response())).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
            });
        }

        @Test
        @DisplayName("Hixie-76: the draft's worked example in absolute-form gives byte for byte the origin-form answer")
        void hixie76WorkedExample() {
            HandshakeResult origin = run(HandshakeConfig.defaults(), HIXIE_SPEC_KEYS + "Tm[K T2u");
            HandshakeResult absolute = run(HandshakeConfig.defaults(),
                    HIXIE_SPEC_KEYS.replace("GET /demo ", "GET ws://example.com/demo ") + "Tm[K T2u");
            assertThat(str(((HandshakeResult.Accepted) absolute).response()))
                    .isEqualTo(str(((HandshakeResult.Accepted) origin).response()))
                    .contains("Sec-WebSocket-Location: ws://example.com/demo\r\n");
        }

        @ParameterizedTest(name = "{0} (connection secure: {1})")
        @CsvSource({
            "ws://example.org:8080/demo?x=1,  false, ws://example.org:8080/demo?x=1",
            "wss://example.org/demo,          false, wss://example.org/demo",
            "http://example.org/demo,         true,  ws://example.org/demo",
            "https://example.org:443/demo,    false, wss://example.org:443/demo",
            "ws://example.org,                false, ws://example.org/",
            "ws://example.org?x=1,            false, ws://example.org/?x=1",
            "WSS://[::1]:9001/demo,           false, wss://[::1]:9001/demo",
        })
        @DisplayName("Hixie-76: the Location echoes the client's URL: scheme and authority from the URI, never the Host header")
        void hixie76Location(String uri, boolean secure, String location) {
            String req = HIXIE.replace("GET /demo ", "GET " + uri + " ").replace("Host: example.com", "Host: other.example");
            HandshakeResult r = run(HandshakeConfig.defaults().withSecure(secure), req + "^n:ds[4U");
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Accepted.class, a -> {
                assertThat(str(a.response())).contains("\r\nSec-WebSocket-Location: " + location + "\r\n")
                        .endsWith("8jKS'y:G*Co,Wxa-");
                assertThat(a.version()).isEqualTo(ProtocolVersion.HIXIE_76);
            });
        }

        @Test
        @DisplayName("origin-form keeps using the Host header and the connection's security for the Location")
        void originFormLocation() {
            HandshakeResult r = run(HandshakeConfig.defaults().withSecure(true), HIXIE + "^n:ds[4U");
            assertThat(str(((HandshakeResult.Accepted) r).response())).contains("Sec-WebSocket-Location: wss://example.com/demo\r\n");
        }

        @Test
        @DisplayName("Origin checks see the Origin header alone, in either form, whatever the Host or the authority")
        void originValidatorSeesTheOriginOnly() {
            List<String> seen = new java.util.ArrayList<>();
            HandshakeConfig cfg = HandshakeConfig.defaults().withOriginValidator(o -> {
                seen.add(o);
                return "http://example.com".equals(o);
            });
            String hybiAbs = hybi("13", "Origin: http://example.com\r\n").replace("GET /chat ", "GET ws://elsewhere.example/chat ");
            assertThat(run(cfg, hybiAbs)).isInstanceOf(HandshakeResult.Accepted.class);
            String hybiEvil = hybi("13", "Origin: http://evil.example\r\n").replace("GET /chat ", "GET ws://evil.example/chat ");
            assertThat(((HandshakeResult.Rejected) run(cfg, hybiEvil)).status()).isEqualTo(403);
            String hixieAbs = HIXIE.replace("GET /demo ", "GET ws://elsewhere.example/demo ") + "^n:ds[4U";
            assertThat(run(cfg, hixieAbs)).isInstanceOf(HandshakeResult.Accepted.class);
            assertThat(seen).containsExactly("http://example.com", "http://evil.example", "http://example.com");
        }

        @Test
        @DisplayName("the Host header is still required once (RFC 9112 §3.2), though its value is then ignored")
        void hostStillRequired() {
            String noHost = hybi("13", "").replace("GET /chat ", "GET ws://server.example.com/chat ")
                    .replace("Host: server.example.com\r\n", "");
            HandshakeResult r = run(HandshakeConfig.defaults(), noHost);
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.reason()).contains("Host");
            });
        }

        @Test
        @DisplayName("a plain GET in absolute-form is NotWebSocket with the origin-form target, e.g. /healthz")
        void plainGet() {
            HandshakeResult r = run(HandshakeConfig.defaults(), "GET http://127.0.0.1:9001/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.NotWebSocket.class, n -> {
                assertThat(n.request().target()).isEqualTo("/healthz");
                assertThat(n.request().path()).isEqualTo("/healthz");
                assertThat(n.request().host()).isEqualTo("127.0.0.1:9001");
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"ws:///chat", "ws://user@server.example.com/chat", "ws://server.example.com:x/chat",
            "ftp://server.example.com/chat", "ws://server.example.com/chat#f", "chat"})
        @DisplayName("a malformed absolute URI in an upgrade is a 400 with no request")
        void malformedIs400(String target) {
            HandshakeResult r = run(HandshakeConfig.defaults(), hybi("13", "").replace("GET /chat ", "GET " + target + " "));
            assertThat(r).isInstanceOfSatisfying(HandshakeResult.Rejected.class, rej -> {
                assertThat(rej.status()).isEqualTo(400);
                assertThat(rej.request()).isNull();
                assertThat(str(rej.response())).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n");
            });
        }
    }
}
