package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.keel.websocket.protocol.Handshake;
import io.keel.websocket.protocol.HandshakeConfig;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.Handshaker;
import io.keel.websocket.protocol.ProtocolVersion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Coverage-guided fuzzing of the HTTP upgrade parser and version detection ({@link Handshaker}): arbitrary bytes,
 * split into random reads, under random configurations. Invariants: no exception; {@code NeedMoreData} consumes
 * the whole read; exactly one final result, returned again (and nothing consumed) on later calls; consumed bytes ≤
 * input and independent of the split; the result equals the one-read result; responses are well-formed HTTP heads
 * without injected line breaks; a first byte that cannot start a method token is refused at that byte; requests
 * handed on have an origin-form target, and a Hixie-76 Location that echoes the client's URL.
 */
class HandshakeFuzzTest {

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"GET ", " HTTP/1.1\\x0D\\x0A", "HTTP/1.0", "\\x0D\\x0A\\x0D\\x0A", "Host: ", "Upgrade: websocket\\x0D\\x0A",
        "Connection: Upgrade\\x0D\\x0A", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\x0D\\x0A", "Sec-WebSocket-Version: ", "13", "8", "7",
        "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\\x0D\\x0A", "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\\x0D\\x0A", "Origin: http://ok",
        "Sec-WebSocket-Origin: ", "Sec-WebSocket-Protocol: a, b\\x0D\\x0A", "\\x16\\x03\\x01", "get ",
        "GET ws://", "wss://", "http://", "https://", "[::1]:", "@", "#"})
    void handshake(FuzzedDataProvider d) {
        HandshakeConfig cfg = HandshakeConfig.defaults();
        switch (d.consumeInt(0, 3)) {
            case 1 -> cfg = cfg.withVersions(ProtocolVersion.RFC_6455);
            case 2 -> cfg = cfg.withVersions(ProtocolVersion.HIXIE_76, ProtocolVersion.HYBI_08);
            default -> {
            }
        }
        if (d.consumeBoolean()) {
            cfg = cfg.withMaxHeaderBytes(d.consumeInt(16, 300));
        }
        if (d.consumeBoolean()) {
            cfg = cfg.withSubprotocolSelector(l -> l.get(l.size() - 1)).withSecure(true);
        }
        if (d.consumeBoolean()) {
            cfg = cfg.withOriginValidator(o -> o != null && o.startsWith("http://ok"));
        }
        check(cfg, d.consumeLong(), d.consumeRemainingAsBytes());
    }

    static void check(HandshakeConfig cfg, long seed, byte[] data) {
        Outcome whole = run(cfg, data, null);
        Outcome split = run(cfg, data, new Random(seed));
        assertThat(split.consumed).as("consumed independent of the split").isEqualTo(whole.consumed);
        assertThat(describe(split.result)).as("result independent of the split").isEqualTo(describe(whole.result));
        assertThat(whole.consumed).isLessThanOrEqualTo(data.length);
        HandshakeResult r = whole.result;
        int first = firstRequestByte(data);
        if (first >= 0 && !isTchar(data[first])) {
            // RFC 9110 section 5.6.2: such a byte cannot start a method token: refused at that byte, not later
            assertThat(r).as("refused at the first byte").isInstanceOfSatisfying(HandshakeResult.Rejected.class, j -> {
                assertThat(j.status()).isEqualTo(400);
                assertThat(j.request()).isNull();
            });
            assertThat(whole.consumed).as("nothing read past the bad byte").isEqualTo(first + 1);
        }
        if (r instanceof HandshakeResult.NeedMoreData) {
            assertThat(whole.consumed).as("incomplete: everything consumed").isEqualTo(data.length);
            return;
        }
        switch (r) {
            case HandshakeResult.Accepted a -> {
                checkHead(a.response(), a.version() == ProtocolVersion.HIXIE_76 ? 16 : 0, "HTTP/1.1 101 ");
                assertThat(cfg.isEnabled(a.version())).isTrue();
                if (a.version().isHybi()) {
                    String key = a.request().headers().get("Sec-WebSocket-Key");
                    assertThat(new String(a.response(), StandardCharsets.ISO_8859_1))
                            .contains("\r\nSec-WebSocket-Accept: " + Handshake.acceptKey(key) + "\r\n");
                    assertThat(a.request().headers().getAll("Sec-WebSocket-Version")).containsExactly(
                            String.valueOf(a.version().wireVersion()));
                }
                assertThat(a.subprotocol() == null || a.request().headers().tokens("Sec-WebSocket-Protocol")
                        .contains(a.subprotocol())).isTrue();
                checkOriginForm(a.request());
                if (a.version() == ProtocolVersion.HIXIE_76) {
                    // draft-hixie-76 5.2: the Location is the client's URL; for absolute-form, its scheme and authority
                    String scheme = a.request().scheme();
                    boolean secure = scheme == null ? cfg.secure() : scheme.equals("wss") || scheme.equals("https");
                    assertThat(new String(a.response(), StandardCharsets.ISO_8859_1)).contains("\r\nSec-WebSocket-Location: "
                            + (secure ? "wss://" : "ws://") + a.request().host() + a.request().target() + "\r\n");
                }
                endsHead(data, whole.consumed - (a.version() == ProtocolVersion.HIXIE_76 ? 8 : 0));
            }
            case HandshakeResult.Rejected j -> {
                assertThat(j.status()).isIn(400, 403, 405, 426, 431);
                checkHead(j.response(), -1, "HTTP/1.1 " + j.status() + " ");
                if (j.request() != null) {
                    // a Hixie-76 request is judged once its 8-byte body is in, so that body was consumed too
                    boolean hixieBodyRead = whole.consumed >= 8 && isHixie76Request(j.request())
                            && !endsWithBlankLine(data, whole.consumed);
                    endsHead(data, whole.consumed - (hixieBodyRead ? 8 : 0));
                }
            }
            case HandshakeResult.NotWebSocket n -> {
                assertThat(n.request().method()).isEqualTo("GET");
                checkOriginForm(n.request());
                endsHead(data, whole.consumed);
            }
            default -> throw new AssertionError(r);
        }
    }

    private record Outcome(HandshakeResult result, int consumed) {
    }

    private static Outcome run(HandshakeConfig cfg, byte[] data, Random rnd) {
        Handshaker h = new Handshaker(cfg);
        HandshakeResult fin = null;
        int consumed = 0;
        int p = 0;
        do {
            int n = rnd == null ? data.length - p : Math.min(data.length - p, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 200));
            ByteBuffer b = ByteBuffer.wrap(data, p, n);
            HandshakeResult r = h.receive(b);
            int used = b.position() - p;
            assertThat(r).isNotNull();
            assertThat(b.limit()).isEqualTo(p + n);
            if (fin != null) {
                assertThat(r).as("final result is returned again").isSameAs(fin);
                assertThat(used).as("nothing consumed after the result").isZero();
            } else if (r instanceof HandshakeResult.NeedMoreData) {
                assertThat(used).as("NeedMoreData consumes the whole read").isEqualTo(n);
                assertThat(h.result()).isNull();
                consumed += used;
            } else {
                fin = r;
                assertThat(h.result()).isSameAs(r);
                consumed += used;
            }
            p += n;
        } while (p < data.length);
        return new Outcome(fin == null ? HandshakeResult.NeedMoreData.INSTANCE : fin, consumed);
    }

    private static String describe(HandshakeResult r) {
        return switch (r) {
            case HandshakeResult.Accepted a -> "101 " + a.version() + " " + a.subprotocol() + " " + a.origin() + " "
                    + Arrays.toString(a.response());
            case HandshakeResult.Rejected j -> j.status() + " " + j.reason() + " " + Arrays.toString(j.response());
            case HandshakeResult.NotWebSocket n -> "plain " + n.request();
            default -> "more";
        };
    }

    /**
     * RFC 9112 section 3.2: whatever form the client used, the request handed on has an origin-form target (the
     * path and query routing sees), and a scheme and authority exactly when it was absolute-form.
     */
    private static void checkOriginForm(io.keel.websocket.http.HttpRequest r) {
        assertThat(r.target()).startsWith("/").doesNotContain("#");
        assertThat(r.scheme() == null).isEqualTo(r.authority() == null);
        if (r.isAbsoluteForm()) {
            assertThat(r.scheme()).isIn("ws", "wss", "http", "https");
            assertThat(r.authority()).isNotEmpty().doesNotContain("@").doesNotContain("/");
            assertThat(r.host()).isEqualTo(r.authority());
        }
    }

    /** Index of the first byte that is not part of leading empty lines (CR or LF), or -1. */
    private static int firstRequestByte(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] != '\r' && data[i] != '\n') {
                return i;
            }
        }
        return -1;
    }

    /** RFC 9110 section 5.6.2 tchar, written independently of the parser's. */
    private static boolean isTchar(byte b) {
        int c = b & 0xFF;
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    private static boolean isHixie76Request(io.keel.websocket.http.HttpRequest r) {
        return r.headers().get("Sec-WebSocket-Version") == null && r.headers().get("Sec-WebSocket-Key1") != null
                && r.headers().get("Sec-WebSocket-Key2") != null;
    }

    private static boolean endsWithBlankLine(byte[] data, int end) {
        String s = new String(data, 0, end, StandardCharsets.ISO_8859_1);
        return s.endsWith("\n\n") || s.endsWith("\n\r\n");
    }

    /** The consumed prefix ends with the blank line of a header block. */
    private static void endsHead(byte[] data, int end) {
        String s = new String(data, 0, end, StandardCharsets.ISO_8859_1);
        assertThat(s.endsWith("\n\n") || s.endsWith("\n\r\n")).as("consumed up to the blank line: %s", s).isTrue();
    }

    /** A response head: status line, header lines of printable characters, blank line, then {@code body} bytes. */
    private static void checkHead(byte[] resp, int body, String statusPrefix) {
        String s = new String(resp, StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        assertThat(end).as("head ends with CRLF CRLF").isPositive();
        if (body >= 0) {
            assertThat(resp.length - end - 4).as("body length").isEqualTo(body);
        }
        assertThat(s).startsWith(statusPrefix);
        List<String> lines = List.of(s.substring(0, end).split("\r\n", -1));
        for (String line : lines) {
            assertThat(line.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7F)))
                    .as("no control characters (header injection) in %s", line).isTrue();
        }
        for (String line : lines.subList(1, lines.size())) {
            assertThat(line.indexOf(':')).as("header line %s", line).isPositive();
        }
    }
}
