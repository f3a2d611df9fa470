package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.TestSupport.Recorder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Randomized: random messages, randomly fragmented and masked, interleaved pings, randomly split, decoded and echoed. */
class RoundTripTest {

    static String randomText(Random r, int maxCodePoints) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(maxCodePoints + 1);
        for (int i = 0; i < n; i++) {
            int cp;
            do {
                int k = r.nextInt(10);
                cp = k < 6 ? 0x20 + r.nextInt(0x5F) : k < 8 ? r.nextInt(0x800) : k < 9 ? r.nextInt(0x10000) : 0x10000 + r.nextInt(0x100000);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    void randomMessagesSurviveRandomFragmentationAndSplits() {
        for (long seed = 1; seed <= 40; seed++) {
            for (boolean streaming : new boolean[] {false, true}) {
                Random r = new Random(seed);
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                List<String> expected = new ArrayList<>();
                ByteArrayOutputStream expectedEcho = new ByteArrayOutputStream();
                int messages = 1 + r.nextInt(20);
                for (int m = 0; m < messages; m++) {
                    boolean text = r.nextBoolean();
                    byte[] payload;
                    if (text) {
                        payload = randomText(r, r.nextInt(4) == 0 ? 3000 : 60).getBytes(StandardCharsets.UTF_8);
                    } else {
                        payload = new byte[r.nextInt(4) == 0 ? r.nextInt(70000) : r.nextInt(200)];
                        r.nextBytes(payload);
                    }
                    expected.add((streaming ? "s" : "") + (text ? "text:" + new String(payload, StandardCharsets.UTF_8) : "binary:" + hex(payload)));
                    ByteBuffer echo = ByteBuffer.allocate(payload.length + 10);
                    HybiFrameEncoder.writeFrame(echo, true, text ? Opcode.TEXT : Opcode.BINARY, ByteBuffer.wrap(payload));
                    expectedEcho.write(echo.array(), 0, echo.position());
                    // random fragmentation (fragments may split code points), random pings in between
                    int pos = 0;
                    boolean first = true;
                    do {
                        int len = r.nextInt(3) == 0 ? payload.length - pos : r.nextInt(payload.length - pos + 1);
                        boolean fin = pos + len == payload.length;
                        byte[] part = java.util.Arrays.copyOfRange(payload, pos, pos + len);
                        wire.writeBytes(TestSupport.frame(fin, first ? (text ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION,
                                part, r.nextInt()));
                        first = false;
                        pos += len;
                        if (!fin && r.nextInt(4) == 0) {
                            byte[] ping = new byte[r.nextInt(126)];
                            r.nextBytes(ping);
                            wire.writeBytes(TestSupport.frame(true, Opcode.PING, ping, r.nextInt()));
                            expected.add("ping:" + hex(ping));
                            ByteBuffer pong = ByteBuffer.allocate(130);
                            HybiFrameEncoder.writeFrame(pong, true, Opcode.PONG, ByteBuffer.wrap(ping));
                            expectedEcho.write(pong.array(), 0, pong.position());
                        }
                    } while (pos < payload.length);
                }
                wire.writeBytes(TestSupport.close(1000, "done"));
                expected.add("close:1000:done");
                expectedEcho.writeBytes(TestSupport.bytes(0x88, 0x02, 0x03, 0xE8));

                byte[] in = wire.toByteArray();
                Recorder rec = TestSupport.session(ProtocolVersion.RFC_6455, WebSocketConfig.defaults().withStreaming(streaming));
                rec.echo = !streaming;
                TestSupport.feed(rec, TestSupport.split(in, 2 + (int) (seed % 5), seed), seed % 2 == 0);
                // ping/pong events are reported when they arrive: sort them relative to messages is deterministic
                assertThat(rec.events).as("seed " + seed + " streaming " + streaming).containsExactlyElementsOf(orderLikeDecoder(expected));
                if (!streaming) {
                    assertThat(hex(rec.output())).as("echo, seed " + seed).isEqualTo(hex(reorderEcho(expectedEcho.toByteArray())));
                }
                assertThat(rec.session.isClosed()).isTrue();
            }
        }
    }

    /**
     * Pings inside a fragmented message are reported before that message completes; the expected list was built
     * with each ping after its message, so move pings before the message they were interleaved in.
     */
    private static List<String> orderLikeDecoder(List<String> expected) {
        List<String> out = new ArrayList<>();
        // expected order: message m, then pings interleaved in m (added while encoding m, after m's entry)
        for (String e : expected) {
            if (e.startsWith("ping:")) {
                int idx = out.size() - 1; // the message just added
                out.add(idx, e);
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /** Likewise, pongs are sent before the echo of the message they were interleaved in. */
    private static byte[] reorderEcho(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        List<byte[]> frames = new ArrayList<>();
        while (in.hasRemaining()) {
            int start = in.position();
            in.get();
            int len7 = in.get() & 0x7F;
            long len = len7 == 126 ? in.getShort() & 0xFFFF : len7 == 127 ? in.getLong() : len7;
            in.position(in.position() + (int) len);
            byte[] f = new byte[in.position() - start];
            in.get(start, f);
            frames.add(f);
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames) {
            if ((f[0] & 0x0F) == Opcode.PONG) {
                out.add(out.size() - 1, f);
            } else {
                out.add(f);
            }
        }
        return concat(out.toArray(new byte[0][]));
    }
}
