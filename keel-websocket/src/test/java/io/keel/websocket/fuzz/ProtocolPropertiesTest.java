package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.HybiFrameEncoder;
import io.keel.websocket.protocol.Hixie76FrameEncoder;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.Utf8Validator;
import io.keel.websocket.protocol.WebSocketConfig;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** jqwik properties: encode/decode round trips and the UTF-8 validator against the JDK. */
class ProtocolPropertiesTest {

    // ------------------------------------------------------------------ generators

    /** Payload lengths around the 7/16/64-bit length encoding boundaries, plus small random ones. */
    static Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537),
                Arbitraries.integers().between(0, 300));
    }

    static Arbitrary<byte[]> payloads() {
        return Combinators.combine(lengths(), Arbitraries.longs()).as((n, seed) -> {
            byte[] b = new byte[n];
            new Random(seed).nextBytes(b);
            return b;
        });
    }

    record Msg(boolean text, byte[] payload, int fragments) {
    }

    @Provide
    Arbitrary<List<Msg>> messages() {
        Arbitrary<Msg> binary = Combinators.combine(payloads(), Arbitraries.integers().between(1, 4))
                .as((p, f) -> new Msg(false, p, f));
        Arbitrary<Msg> text = Combinators.combine(Arbitraries.strings().ofMaxLength(300), Arbitraries.integers().between(1, 4))
                .as((s, f) -> new Msg(true, s.getBytes(StandardCharsets.UTF_8), f));
        return Arbitraries.oneOf(binary, text).list().ofMaxSize(5);
    }

    // ------------------------------------------------------------------ client encoder (masked)

    static byte[] clientFrame(boolean fin, int opcode, byte[] payload, int from, int to, int mask) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int n = to - from;
        o.write((fin ? 0x80 : 0) | opcode);
        if (n < 126) {
            o.write(0x80 | n);
        } else if (n <= 0xFFFF) {
            o.write(0x80 | 126);
            o.write(n >>> 8);
            o.write(n);
        } else {
            o.write(0x80 | 127);
            for (int s = 56; s >= 0; s -= 8) {
                o.write((int) ((long) n >>> s));
            }
        }
        for (int s = 24; s >= 0; s -= 8) {
            o.write(mask >>> s);
        }
        for (int i = 0; i < n; i++) {
            o.write(payload[from + i] ^ (mask >>> (24 - 8 * (i & 3))));
        }
        return o.toByteArray();
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 150)
    void hybiMessagesRoundTripThroughTheSession(@ForAll("messages") List<Msg> msgs, @ForAll int mask, @ForAll long splitSeed,
            @ForAll boolean streaming, @ForAll boolean withPing) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        Random r = new Random(splitSeed);
        for (Msg m : msgs) {
            int n = m.payload.length;
            int frags = Math.min(m.fragments, Math.max(1, n));
            int from = 0;
            for (int f = 0; f < frags; f++) {
                int to = f == frags - 1 ? n : from + (n - from) / (frags - f);
                wire.writeBytes(clientFrame(f == frags - 1, f == 0 ? (m.text ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION,
                        m.payload, from, to, mask ^ f));
                if (withPing && f == 0 && frags > 1) {
                    wire.writeBytes(clientFrame(true, Opcode.PING, new byte[] {1, 2, 3}, 0, 3, mask));
                    expected.add("PING:010203");
                }
                from = to;
            }
            expected.add((m.text ? "T:" : "B:") + HexFormat.of().formatHex(m.payload));
        }
        wire.writeBytes(clientFrame(true, Opcode.CLOSE, new byte[] {0x03, (byte) 0xE8, 'o', 'k'}, 0, 4, mask));
        expected.add("CLOSE:1000:ok");
        WebSocketConfig cfg = WebSocketConfig.defaults().withStreaming(streaming);
        SessionHarness h = new SessionHarness(ProtocolVersion.RFC_6455, cfg, false);
        h.feed(wire.toByteArray(), r);
        h.finish();
        List<String> t = h.transcript();
        assertThat(t.subList(0, t.size() - 2)).isEqualTo(expected);
        assertThat(t.get(t.size() - 2)).isEqualTo("state=CLOSED");
        // the server echoed the close code, answered the pings
        assertThat(t.get(t.size() - 1)).endsWith("880203e8");
    }

    @Property(tries = 200)
    void serverFramesHaveMinimalHeadersAndParseBack(@ForAll("payloads_") byte[] payload, @ForAll boolean fin,
            @ForAll @IntRange(min = 1, max = 2) int opcode) {
        ByteBuffer dst = ByteBuffer.allocate(HybiFrameEncoder.MAX_HEADER_SIZE + payload.length);
        ByteBuffer p = ByteBuffer.wrap(payload);
        HybiFrameEncoder.writeFrame(dst, fin, opcode, p);
        assertThat(p.position()).isZero();
        dst.flip();
        assertThat(dst.remaining()).isEqualTo(HybiFrameEncoder.headerSize(payload.length) + payload.length);
        int b0 = dst.get() & 0xFF;
        int b1 = dst.get() & 0xFF;
        assertThat(b0).isEqualTo((fin ? 0x80 : 0) | opcode);
        assertThat(b1 & 0x80).isZero();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = dst.getShort() & 0xFFFF;
            assertThat(len).isBetween(126L, 65535L);
        } else if (len == 127) {
            len = dst.getLong();
            assertThat(len).isGreaterThan(65535L);
        }
        assertThat(len).isEqualTo(payload.length);
        byte[] back = new byte[dst.remaining()];
        dst.get(back);
        assertThat(back).isEqualTo(payload);
    }

    @Provide
    Arbitrary<byte[]> payloads_() {
        return payloads();
    }

    @Property(tries = 200)
    void closePayloadRoundTrips(@ForAll("closeCodes") int code, @ForAll @Size(max = 40) String reason, @ForAll long splitSeed) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        if (r.length > HybiFrameEncoder.MAX_CLOSE_REASON) {
            return;
        }
        ByteBuffer payload = ByteBuffer.allocate(125);
        HybiFrameEncoder.writeClosePayload(payload, code, r);
        payload.flip();
        byte[] pb = SessionHarness.bytes(payload);
        // the server's own close frame
        ByteBuffer frame = ByteBuffer.allocate(200);
        HybiFrameEncoder.writeClose(frame, code, reason);
        frame.flip();
        byte[] fb = SessionHarness.bytes(frame);
        assertThat(fb).startsWith((byte) 0x88, (byte) pb.length);
        assertThat(java.util.Arrays.copyOfRange(fb, 2, fb.length)).isEqualTo(pb);
        // a client sending it is understood
        List<String> got = new ArrayList<>();
        WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), new WebSocketListener() {
            @Override
            public void onClose(int c, String why) {
                got.add(c + ":" + why);
            }
        }, (a, b, c, opcode) -> true);
        byte[] wire = clientFrame(true, Opcode.CLOSE, pb, 0, pb.length, (int) splitSeed);
        Random rnd = new Random(splitSeed);
        for (int p = 0; p < wire.length;) {
            int n = Math.min(wire.length - p, 1 + rnd.nextInt(5));
            s.receive(ByteBuffer.wrap(java.util.Arrays.copyOfRange(wire, p, p + n)));
            p += n;
        }
        assertThat(got).containsExactly(code + ":" + reason);
    }

    @Provide
    Arbitrary<Integer> closeCodes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1000, 1003), Arbitraries.integers().between(1007, 1014),
                Arbitraries.integers().between(3000, 4999));
    }

    @Property(tries = 150)
    void hixie76TextRoundTrips(@ForAll @Size(max = 5) List<@Size(max = 200) String> texts, @ForAll long splitSeed,
            @ForAll boolean streaming) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        for (String t : texts) {
            byte[] u = t.getBytes(StandardCharsets.UTF_8);
            ByteBuffer dst = ByteBuffer.allocate(u.length + 2);
            Hixie76FrameEncoder.writeText(dst, ByteBuffer.wrap(u));
            wire.write(dst.array(), 0, dst.position());
            expected.add("T:" + HexFormat.of().formatHex(u));
        }
        wire.write(0xFF);
        wire.write(0x00);
        expected.add("CLOSE:" + CloseCodes.NO_STATUS_RECEIVED + ":");
        SessionHarness h = new SessionHarness(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults().withStreaming(streaming), true);
        h.feed(wire.toByteArray(), new Random(splitSeed));
        h.finish();
        List<String> t = h.transcript();
        assertThat(t.subList(0, expected.size())).isEqualTo(expected);
        if (!streaming) {
            // the echo is byte-identical to what the client sent (texts, then the close reply)
            assertThat(t.get(t.size() - 1)).isEqualTo("out=" + HexFormat.of().formatHex(wire.toByteArray()));
        }
    }

    @Property(tries = 300)
    void utf8ValidatorMatchesJdkOnRandomBytes(@ForAll @Size(max = 40) byte[] data) {
        Utf8Oracle.checkAgainstJdk(data);
    }

    @Property(tries = 300)
    void utf8ValidatorMatchesJdkOnValidTextWithOneCorruption(@ForAll @Size(min = 1, max = 60) String s, @ForAll int where,
            @ForAll byte value) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8Validator.isValid(b, 0, b.length)).isEqualTo(Utf8Oracle.jdkValid(b));
        if (b.length == 0) {
            return;
        }
        b[Math.floorMod(where, b.length)] = value;
        Utf8Oracle.checkAgainstJdk(b);
    }
}
