package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.frame;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.websocket.protocol.deflate.DeflateScratch;
import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7692 on the sans-I/O session: RSV1 rules, inflation, the limit on inflated size, sending compressed. */
class PerMessageDeflateFramingTest {
    private static final WebSocketConfig CFG = WebSocketConfig.defaults();

    static String text(int n, long seed) {
        Random r = new Random(seed);
        String[] words = {"keel ", "deflate ", "message ", "wss ", "é", "€ ", "loop ", "{\"k\":1} "};
        StringBuilder b = new StringBuilder();
        while (b.length() < n) {
            b.append(words[r.nextInt(words.length)]);
        }
        return b.substring(0, n);
    }

    /** Every split (whole, byte by byte, random) gives the same events. */
    static TestSupport.Recorder runSplits(WebSocketConfig cfg, byte[] input, boolean dedicated) {
        TestSupport.Recorder ref = null;
        for (int mode = 0; mode < 6; mode++) {
            TestSupport.Recorder r = DeflateClient.session(cfg,
                dedicated ? DeflateClient.dedicated(new DeflateStats()) : DeflateClient.shared(), 256, new DeflateStats());
            TestSupport.feed(r, TestSupport.split(input, mode, mode * 17L), mode % 2 == 1);
            if (ref == null) {
                ref = r;
            } else {
                assertThat(r.events).as("split mode " + mode).isEqualTo(ref.events);
            }
        }
        return ref;
    }

    /** The frames the server wrote: first byte and payload of each. */
    record ServerFrame(int b0, byte[] payload) {
        boolean rsv1() {
            return (b0 & 0x40) != 0;
        }
    }

    static List<ServerFrame> serverFrames(byte[] out) {
        List<ServerFrame> frames = new ArrayList<>();
        int i = 0;
        while (i < out.length) {
            int b0 = out[i] & 0xFF;
            int len = out[i + 1] & 0x7F;
            int h = 2;
            if (len == 126) {
                len = ((out[i + 2] & 0xFF) << 8) | (out[i + 3] & 0xFF);
                h = 4;
            } else if (len == 127) {
                len = (int) ByteBuffer.wrap(out, i + 2, 8).getLong();
                h = 10;
            }
            frames.add(new ServerFrame(b0, Arrays.copyOfRange(out, i + h, i + h + len)));
            i += h + len;
        }
        return frames;
    }

    @Nested
    @DisplayName("RFC 7692 §6 RSV1")
    class Rsv1 {
        @Test
        void withoutTheExtensionRsv1Is1002() {
            TestSupport.Recorder r = TestSupport.session(ProtocolVersion.RFC_6455, CFG);
            TestSupport.feed(r, List.of(DeflateClient.compressedFrame(true, Opcode.TEXT, new DeflateClient().compress(utf8("hi")))), false);
            assertThat(r.events).containsExactly("error:1002");
        }

        @Test
        void rsv1OnAContinuationIs1002() {
            DeflateClient c = new DeflateClient();
            byte[] in = concat(DeflateClient.compressedFrame(false, Opcode.TEXT, c.compress(utf8("a"))),
                DeflateClient.compressedFrame(true, Opcode.CONTINUATION, new byte[0]));
            TestSupport.Recorder r = runSplits(CFG, in, false);
            assertThat(r.events).containsExactly("error:1002");
        }

        @ParameterizedTest
        @ValueSource(ints = {Opcode.PING, Opcode.PONG, Opcode.CLOSE})
        void rsv1OnAControlFrameIs1002(int opcode) {
            TestSupport.Recorder r = runSplits(CFG, DeflateClient.compressedFrame(true, opcode, new byte[0]), false);
            assertThat(r.events).containsExactly("error:1002");
        }

        @ParameterizedTest
        @ValueSource(ints = {0x20, 0x10, 0x60})
        void rsv2AndRsv3StayForbidden(int rsv) {
            byte[] in = frame(0x80 | rsv, Opcode.TEXT, utf8("x"), 1, true, -1);
            assertThat(runSplits(CFG, in, false).events).containsExactly("error:1002");
        }

        @Test
        void aMessageWithoutRsv1IsNotInflated() {
            assertThat(runSplits(CFG, TestSupport.text("plain"), false).events).containsExactly("text:plain");
        }

        @Test
        void hixie76SessionsHaveNoExtensions() {
            TestSupport.Recorder r = TestSupport.session(ProtocolVersion.HIXIE_76, CFG);
            assertThatThrownBy(() -> r.session.enableCompression(DeflateClient.shared(), 0, new DeflateStats()))
                .isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    @DisplayName("RFC 7692 §7.2.2 receiving")
    class Receiving {
        @ParameterizedTest
        @ValueSource(ints = {0, 1, 16, 300, 4096, 40_000, 131_072})
        void compressedTextAndBinaryInEverySplit(int size) {
            String t = text(size, size);
            DeflateClient c = new DeflateClient();
            byte[] bin = new byte[size];
            new Random(size).nextBytes(bin);
            byte[] in = concat(DeflateClient.compressedFrame(true, Opcode.TEXT, c.compress(utf8(t))),
                DeflateClient.compressedFrame(true, Opcode.BINARY, c.compress(bin)), TestSupport.text("after"));
            TestSupport.Recorder r = runSplits(CFG, in, true);
            assertThat(r.events).containsExactly("text:" + t, "binary:" + TestSupport.hex(bin), "text:after");
        }

        @Test
        void fragmentedCompressedMessageAccumulateAndStreaming() {
            String t = text(100_000, 3);
            byte[] z = new DeflateClient().compress(utf8(t));
            int a = z.length / 3;
            byte[] in = concat(DeflateClient.compressedFrame(false, Opcode.TEXT, Arrays.copyOfRange(z, 0, a)),
                frame(true, Opcode.PING, utf8("p")),
                frame(false, Opcode.CONTINUATION, Arrays.copyOfRange(z, a, 2 * a)),
                frame(true, Opcode.CONTINUATION, Arrays.copyOfRange(z, 2 * a, z.length)));
            assertThat(runSplits(CFG, in, false).events).containsExactly("ping:70", "text:" + t);
            TestSupport.Recorder s = runSplits(CFG.withStreaming(true), in, false);
            assertThat(s.events).containsExactly("ping:70", "stext:" + t);
            // inflated in chunks: 100,000 bytes of text come as several fragments, the last one marked
            assertThat(s.fragLog.size()).isGreaterThan(3);
            assertThat(s.fragLog.get(0)).startsWith("F-");
            assertThat(s.fragLog.get(s.fragLog.size() - 1)).startsWith("-L");
        }

        @Test
        void contextTakeoverAcrossMessagesWithADedicatedCodec() {
            DeflateStats stats = new DeflateStats();
            PerMessageDeflate codec = DeflateClient.dedicated(stats);
            TestSupport.Recorder r = DeflateClient.session(CFG, codec, 256, stats);
            DeflateClient c = new DeflateClient(); // keeps its window: message 2 refers back into message 1
            String m = text(2000, 9);
            byte[] z1 = c.compress(utf8(m));
            byte[] z2 = c.compress(utf8(m));
            assertThat(z2.length).isLessThan(z1.length / 4);
            TestSupport.feed(r, List.of(DeflateClient.compressedFrame(true, Opcode.TEXT, z1),
                DeflateClient.compressedFrame(true, Opcode.TEXT, z2)), false);
            assertThat(r.events).containsExactly("text:" + m, "text:" + m);
            assertThat(stats.liveCodecs()).isEqualTo(1); // the inflater, made at the first compressed message
            assertThat(stats.compressedBytesIn()).isEqualTo(z1.length + z2.length);
            assertThat(stats.uncompressedBytesIn()).isEqualTo(2L * utf8(m).length);
            codec.end();
            codec.end();
            assertThat(stats.liveCodecs()).isZero();
        }

        @Test
        void corruptDeflateDataIs1007() {
            byte[] bad = TestSupport.bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x12);
            byte[] in = concat(DeflateClient.compressedFrame(true, Opcode.BINARY, bad), TestSupport.text("never"));
            assertThat(runSplits(CFG, in, false).events).containsExactly("error:1007");
        }

        @Test
        void invalidUtf8InsideCompressedTextIs1007() {
            byte[] z = new DeflateClient().compress(TestSupport.bytes('a', 0xC3, 0x28));
            assertThat(runSplits(CFG, DeflateClient.compressedFrame(true, Opcode.TEXT, z), false).events)
                .containsExactly("error:1007");
            byte[] cut = new DeflateClient().compress(TestSupport.bytes('a', 0xE2, 0x82));
            assertThat(runSplits(CFG, DeflateClient.compressedFrame(true, Opcode.TEXT, cut), false).events)
                .containsExactly("error:1007");
        }

        @Test
        void theSharedCodecServesConnectionsInTurn() {
            PerMessageDeflate shared = DeflateClient.shared();
            TestSupport.Recorder a = DeflateClient.session(CFG, shared, 256, new DeflateStats());
            TestSupport.Recorder b = DeflateClient.session(CFG, shared, 256, new DeflateStats());
            DeflateClient ca = new DeflateClient();
            DeflateClient cb = new DeflateClient();
            ca.noContextTakeover = true;
            cb.noContextTakeover = true;
            byte[] za = ca.compress(utf8(text(50_000, 1)));
            byte[] zb = cb.compress(utf8(text(50_000, 2)));
            // a's message is split over two reads with b's whole message in between: gathered, then inflated
            TestSupport.feed(a, List.of(Arrays.copyOf(DeflateClient.compressedFrame(true, Opcode.TEXT, za), 100)), false);
            TestSupport.feed(b, List.of(DeflateClient.compressedFrame(true, Opcode.TEXT, zb)), false);
            byte[] fa = DeflateClient.compressedFrame(true, Opcode.TEXT, za);
            TestSupport.feed(a, List.of(Arrays.copyOfRange(fa, 100, fa.length)), false);
            assertThat(a.events).containsExactly("text:" + text(50_000, 1));
            assertThat(b.events).containsExactly("text:" + text(50_000, 2));
        }
    }

    @Nested
    @DisplayName("RFC 6455 §10.4 with RFC 7692: the limit applies to the inflated size")
    class Bombs {
        static final int LIMIT = 1 << 20;

        byte[] bomb() {
            byte[] zeros = new byte[64 << 20];
            return new DeflateClient().compress(zeros); // 64 MiB of zeros: about 64 KiB compressed
        }

        @Test
        void aSmallFrameInflatingPastTheLimitIs1009WithBoundedAllocation() {
            byte[] z = bomb();
            byte[] small = new DeflateClient().compress(new byte[1 << 24]);
            assertThat(small.length).isLessThan(20 * 1024);
            byte[] in = DeflateClient.compressedFrame(true, Opcode.BINARY, small);
            TestSupport.Recorder r = DeflateClient.session(CFG.withMaxMessageSize(LIMIT), DeflateClient.shared(), 256,
                new DeflateStats());
            ByteBuffer b = ByteBuffer.wrap(in);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            r.session.receive(b);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(r.events).containsExactly("error:1009");
            // the limit, plus one chunk, plus the assembler's doubling slack and small objects: never 16 MiB
            assertThat(allocated).isLessThan(2L * LIMIT + DeflateScratch.INFLATE_CHUNK + 64 * 1024);
            assertThat(z.length).isLessThan(LIMIT); // the 64 MiB bomb fits the wire limit: only inflation stops it
            TestSupport.Recorder big = DeflateClient.session(CFG.withMaxMessageSize(LIMIT), DeflateClient.shared(), 256,
                new DeflateStats());
            TestSupport.feed(big, List.of(DeflateClient.compressedFrame(true, Opcode.BINARY, z)), false);
            assertThat(big.events).containsExactly("error:1009");
        }

        @Test
        void incompressibleDataUnderTheLimitIsAcceptedThoughItsFrameIsLonger() {
            byte[] random = new byte[LIMIT - 50];
            new Random(7).nextBytes(random);
            byte[] z = new DeflateClient().compress(random);
            assertThat(z.length).isGreaterThan(LIMIT); // deflate makes random data longer
            for (boolean streaming : new boolean[] {false, true}) {
                TestSupport.Recorder r = DeflateClient.session(CFG.withMaxMessageSize(LIMIT).withStreaming(streaming),
                    DeflateClient.shared(), 256, new DeflateStats());
                TestSupport.feed(r, List.of(DeflateClient.compressedFrame(true, Opcode.BINARY, z)), false);
                assertThat(r.events).noneMatch(e -> e.startsWith("error"));
                if (!streaming) {
                    assertThat(r.events).containsExactly("binary:" + TestSupport.hex(random));
                }
            }
        }

        @Test
        void aCompressedFrameLongerThanAnyMessageWithinTheLimitIs1009AtItsHeader() {
            long bound = InflatingReader.wireBound(LIMIT);
            assertThat(bound).isBetween((long) LIMIT, LIMIT + LIMIT / 6L);
            byte[] header = ByteBuffer.allocate(14).put((byte) 0xC2).put((byte) (0x80 | 127)).putLong(bound + 1)
                .putInt(0x01020304).array();
            TestSupport.Recorder r = DeflateClient.session(CFG.withMaxMessageSize(LIMIT), DeflateClient.shared(), 256,
                new DeflateStats());
            r.session.receive(ByteBuffer.wrap(header));
            assertThat(r.events).containsExactly("error:1009");
            assertThat(InflatingReader.wireBound(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE - 8);
        }

        @Test
        void streamingDeliversChunksUpToTheLimitThen1009() {
            byte[] z = new DeflateClient().compress(new byte[8 << 20]);
            TestSupport.Recorder r = DeflateClient.session(CFG.withMaxMessageSize(LIMIT).withStreaming(true),
                DeflateClient.shared(), 256, new DeflateStats());
            TestSupport.feed(r, List.of(DeflateClient.compressedFrame(true, Opcode.BINARY, z)), false);
            assertThat(r.events).containsExactly("error:1009");
            long delivered = r.fragLog.stream().mapToLong(s -> Long.parseLong(s.substring(2))).sum();
            assertThat(delivered).isLessThanOrEqualTo(LIMIT);
            assertThat(r.fragLog).allMatch(s -> s.charAt(1) == '-'); // never a last fragment
        }
    }

    @Nested
    @DisplayName("RFC 7692 §7.2.1 sending")
    class Sending {
        @Test
        void wholeMessagesAboveTheThresholdGoOutCompressed() throws Exception {
            DeflateStats stats = new DeflateStats();
            TestSupport.Recorder r = DeflateClient.session(CFG, DeflateClient.shared(), 256, stats);
            String big = text(5000, 4);
            r.session.sendText(ByteBuffer.wrap(utf8(big)));
            r.session.sendText(ByteBuffer.wrap(utf8("small")));
            r.session.sendBinary(ByteBuffer.wrap(utf8(big)));
            r.session.sendFragment(ByteBuffer.wrap(utf8(big)), true, true, false);
            r.session.sendFragment(ByteBuffer.wrap(utf8(big)), true, false, true);
            r.session.ping(ByteBuffer.wrap(utf8("p")));
            List<ServerFrame> f = serverFrames(r.output());
            assertThat(f).extracting(ServerFrame::b0).containsExactly(0xC1, 0x81, 0xC2, 0x01, 0x80, 0x89);
            DeflateClient c = new DeflateClient(); // the server answered no_context_takeover: each inflates alone
            assertThat(new String(c.inflate(f.get(0).payload()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(big);
            assertThat(f.get(0).payload()).isEqualTo(f.get(2).payload()); // the shared compressor was reset
            assertThat(f.get(0).payload().length).isLessThan(big.length() / 3);
            assertThat(stats.uncompressedBytesOut()).isEqualTo(2L * utf8(big).length);
            assertThat(stats.compressedBytesOut()).isEqualTo(2L * f.get(0).payload().length);
        }

        @Test
        void aDedicatedCodecKeepsItsWindowAndIsCountedUntilEnded() throws Exception {
            DeflateStats stats = new DeflateStats();
            PerMessageDeflate codec = DeflateClient.dedicated(stats);
            TestSupport.Recorder r = DeflateClient.session(CFG, codec, 0, stats);
            assertThat(stats.liveCodecs()).isZero(); // nothing until the first compressed message
            String m = text(3000, 5);
            ByteBuffer payload = ByteBuffer.wrap(utf8(m));
            r.session.sendText(payload);
            r.session.sendText(payload);
            assertThat(payload.position()).isZero();
            List<ServerFrame> f = serverFrames(r.output());
            assertThat(f.get(1).payload().length).isLessThan(f.get(0).payload().length / 4);
            DeflateClient c = new DeflateClient();
            assertThat(new String(c.inflate(f.get(0).payload()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(m);
            assertThat(new String(c.inflate(f.get(1).payload()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(m);
            assertThat(stats.liveCodecs()).isEqualTo(1);
            codec.end();
            assertThat(stats.liveCodecs()).isZero();
            assertThatThrownBy(() -> codec.compress(payload)).isInstanceOf(IllegalStateException.class);
        }

        @Test
        void directBuffersAndEmptyMessages() throws Exception {
            TestSupport.Recorder r = DeflateClient.session(CFG, DeflateClient.shared(), 0, new DeflateStats());
            ByteBuffer d = ByteBuffer.allocateDirect(utf8(text(1000, 6)).length);
            d.put(utf8(text(1000, 6))).flip();
            r.session.sendBinary(d);
            r.session.sendBinary(ByteBuffer.allocate(0));
            List<ServerFrame> f = serverFrames(r.output());
            DeflateClient c = new DeflateClient();
            assertThat(c.inflate(f.get(0).payload())).isEqualTo(utf8(text(1000, 6)));
            assertThat(c.inflate(f.get(1).payload())).isEmpty();
            assertThat(f).allMatch(ServerFrame::rsv1);
        }
    }
}
