package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.bytes;
import static io.keel.websocket.protocol.TestSupport.close;
import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.frame;
import static io.keel.websocket.protocol.TestSupport.hex;
import static io.keel.websocket.protocol.TestSupport.runAllSplits;
import static io.keel.websocket.protocol.TestSupport.text;
import static io.keel.websocket.protocol.TestSupport.unhex;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.TestSupport.Recorder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HybiFramingTest {
    static final WebSocketConfig CFG = WebSocketConfig.defaults();
    static final ProtocolVersion V = ProtocolVersion.RFC_6455;

    static Recorder run(byte[] input) {
        return runAllSplits(V, CFG, input);
    }

    static String closeFrame(int code) {
        return hex(bytes(0x88, 0x02, code >>> 8, code & 0xFF));
    }

    // ---- RFC 6455 section 5.7 examples ----

    @Test
    void rfcMaskedHello() {
        Recorder r = run(unhex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
        assertThat(r.events).containsExactly("text:Hello");
        assertThat(r.output()).isEmpty();
    }

    @Test
    void rfcUnmaskedHelloIsRejectedFromAClient() {
        Recorder r = run(unhex("81 05 48 65 6c 6c 6f"));
        assertThat(r.events).containsExactly("error:1002");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1002));
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSED);
    }

    @Test
    void rfcFragmentedHelLo() {
        byte[] in = concat(frame(false, Opcode.TEXT, utf8("Hel")), frame(true, Opcode.CONTINUATION, utf8("lo")));
        assertThat(run(in).events).containsExactly("text:Hello");
    }

    @Test
    void rfcPingGetsPongWithSamePayload() {
        // RFC example: unmasked ping "Hello" is 0x89 0x05 ...; as a client it must be masked
        Recorder r = run(frame(true, Opcode.PING, utf8("Hello")));
        assertThat(r.events).containsExactly("ping:" + hex(utf8("Hello")));
        assertThat(hex(r.output())).isEqualTo("8a0548656c6c6f"); // RFC 5.7 unmasked pong "Hello"
    }

    @Test
    void rfc256ByteAnd64KiBBinaryHeaders() {
        byte[] p256 = new byte[256];
        Arrays.fill(p256, (byte) 7);
        byte[] f256 = frame(true, Opcode.BINARY, p256);
        assertThat(hex(Arrays.copyOf(f256, 4))).isEqualTo("82fe0100"); // 0x82 0x7E 0x0100 + mask bit
        Recorder r = run(f256);
        assertThat(r.events).containsExactly("binary:" + hex(p256));

        byte[] p64k = new byte[65536];
        for (int i = 0; i < p64k.length; i++) {
            p64k[i] = (byte) (i * 31);
        }
        byte[] f64k = frame(true, Opcode.BINARY, p64k);
        assertThat(hex(Arrays.copyOf(f64k, 10))).isEqualTo("82ff0000000000010000");
        Recorder r2 = session();
        r2.session.receive(ByteBuffer.wrap(f64k));
        assertThat(r2.events).containsExactly("binary:" + hex(p64k));
    }

    @Test
    void encoderMatchesRfcServerExamples() {
        ByteBuffer dst = ByteBuffer.allocate(70000);
        HybiFrameEncoder.writeFrame(dst, true, Opcode.TEXT, ByteBuffer.wrap(utf8("Hello")));
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("810548656c6c6f");
        dst.clear();
        HybiFrameEncoder.writeFrame(dst, false, Opcode.TEXT, ByteBuffer.wrap(utf8("Hel")));
        HybiFrameEncoder.writeFrame(dst, true, Opcode.CONTINUATION, ByteBuffer.wrap(utf8("lo")));
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("010348656c" + "80026c6f");
        dst.clear();
        HybiFrameEncoder.writeFrame(dst, true, Opcode.PING, ByteBuffer.wrap(utf8("Hello")));
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("890548656c6c6f");
        dst.clear();
        HybiFrameEncoder.writeHeader(dst, true, Opcode.BINARY, 256);
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("827e0100");
        dst.clear();
        HybiFrameEncoder.writeHeader(dst, true, Opcode.BINARY, 65536);
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("827f0000000000010000");
        assertThat(HybiFrameEncoder.headerSize(125)).isEqualTo(2);
        assertThat(HybiFrameEncoder.headerSize(126)).isEqualTo(4);
        assertThat(HybiFrameEncoder.headerSize(65535)).isEqualTo(4);
        assertThat(HybiFrameEncoder.headerSize(65536)).isEqualTo(10);
        dst.clear();
        HybiFrameEncoder.writeClose(dst, 1000, "bye");
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("880503e8" + hex(utf8("bye")));
        ByteBuffer payload = ByteBuffer.wrap(utf8("xyz"));
        dst.clear();
        HybiFrameEncoder.writeFrame(dst, true, Opcode.BINARY, payload);
        assertThat(payload.position()).isZero();
    }

    static Recorder session() {
        return TestSupport.session(V, CFG);
    }

    // ---- header rules ----

    @ParameterizedTest
    @ValueSource(ints = {0x40, 0x20, 0x10, 0x70})
    void rsvBitsWithoutExtensionFail1002(int rsv) {
        Recorder r = run(concat(text("ok"), frame(0x80 | rsv, Opcode.TEXT, utf8("x"), 1, true, -1), text("never")));
        assertThat(r.events).containsExactly("text:ok", "error:1002");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1002));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void reservedOpcodesFail1002(int opcode) {
        Recorder r = run(concat(frame(0x80, opcode, new byte[0], 1, true, -1), text("never")));
        assertThat(r.events).containsExactly("error:1002");
    }

    @Test
    void errorsAreDetectedFromTheFirstTwoHeaderBytes() {
        Recorder r = session();
        r.session.receive(ByteBuffer.wrap(bytes(0x83, 0x80))); // reserved opcode, rest of the header not sent yet
        assertThat(r.events).containsExactly("error:1002");
    }

    @Test
    void controlFrameRules() {
        assertThat(run(frame(false, Opcode.PING, utf8("x"))).events).containsExactly("error:1002"); // fragmented
        assertThat(run(frame(true, Opcode.PING, new byte[126])).events).containsExactly("error:1002"); // > 125
        assertThat(run(frame(true, Opcode.PONG, new byte[126])).events).containsExactly("error:1002");
        assertThat(run(frame(true, Opcode.CLOSE, new byte[126])).events).containsExactly("error:1002");
        assertThat(run(frame(true, Opcode.PING, new byte[125])).events).containsExactly("ping:" + hex(new byte[125]));
        assertThat(run(frame(true, Opcode.CLOSE, bytes(3))).events).containsExactly("error:1002"); // 1-byte close
    }

    @Test
    void lengthEncodings() {
        // 64-bit length with MSB set
        byte[] bad = concat(bytes(0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1), bytes(1, 2, 3, 4));
        assertThat(run(bad).events).containsExactly("error:1002");
        // non-minimal encodings: accepted by default, rejected when strict
        byte[] nm16 = frame(0x80, Opcode.TEXT, utf8("hi"), 7, true, 2);
        byte[] nm64 = frame(0x80, Opcode.TEXT, utf8("hi"), 7, true, 8);
        assertThat(run(nm16).events).containsExactly("text:hi");
        assertThat(run(nm64).events).containsExactly("text:hi");
        WebSocketConfig strict = CFG.withStrictLengthEncoding(true);
        assertThat(runAllSplits(V, strict, nm16).events).containsExactly("error:1002");
        assertThat(runAllSplits(V, strict, nm64).events).containsExactly("error:1002");
        assertThat(runAllSplits(V, strict, frame(true, Opcode.TEXT, utf8("x".repeat(200)))).events).hasSize(1);
    }

    @Test
    void emptyFrames() {
        Recorder r = run(concat(text(""), frame(true, Opcode.BINARY, new byte[0]), frame(false, Opcode.TEXT, new byte[0]),
                frame(false, Opcode.CONTINUATION, new byte[0]), frame(true, Opcode.CONTINUATION, new byte[0]),
                frame(true, Opcode.PING, new byte[0])));
        assertThat(r.events).containsExactly("text:", "binary:", "text:", "ping:");
        assertThat(hex(r.output())).isEqualTo("8a00");
    }

    // ---- fragmentation ----

    @Test
    void continuationWithoutStartFails() {
        assertThat(run(frame(true, Opcode.CONTINUATION, utf8("x"))).events).containsExactly("error:1002");
    }

    @Test
    void newDataFrameInsideFragmentedMessageFails() {
        byte[] in = concat(frame(false, Opcode.TEXT, utf8("a")), frame(true, Opcode.TEXT, utf8("b")));
        assertThat(run(in).events).containsExactly("error:1002");
        byte[] in2 = concat(frame(false, Opcode.BINARY, utf8("a")), frame(false, Opcode.BINARY, utf8("b")));
        assertThat(run(in2).events).containsExactly("error:1002");
    }

    @Test
    void controlFramesInterleavedInFragmentedMessage() {
        byte[] in = concat(frame(false, Opcode.TEXT, utf8("fr")), frame(true, Opcode.PING, utf8("p1")),
                frame(false, Opcode.CONTINUATION, utf8("ag")), frame(true, Opcode.PONG, utf8("q")),
                frame(true, Opcode.CONTINUATION, utf8("ment")), text("next"));
        Recorder r = run(in);
        assertThat(r.events).containsExactly("ping:" + hex(utf8("p1")), "pong:" + hex(utf8("q")), "text:fragment", "text:next");
        assertThat(hex(r.output())).isEqualTo("8a02" + hex(utf8("p1")));
    }

    @Test
    void manyFragmentsOfABinaryMessage() {
        byte[][] parts = new byte[50][];
        byte[] all = new byte[0];
        for (int i = 0; i < parts.length; i++) {
            byte[] p = new byte[i * 7];
            Arrays.fill(p, (byte) i);
            all = concat(all, p);
            parts[i] = frame(i == parts.length - 1, i == 0 ? Opcode.BINARY : Opcode.CONTINUATION, p, 0x11223344 * i);
        }
        assertThat(run(concat(parts)).events).containsExactly("binary:" + hex(all));
    }

    // ---- UTF-8 ----

    @Test
    void invalidUtf8FailsFastBeforeTheFrameEnds() {
        // "κόσμε" then ED A0 80 (surrogate) then more bytes; only deliver up to the bad byte
        byte[] payload = concat(utf8("κόσμε"), bytes(0xED, 0xA0, 0x80), utf8("edited".repeat(20)));
        byte[] f = frame(true, Opcode.TEXT, payload);
        assertThat(payload.length).isGreaterThan(125);
        int badIndex = 4 + 4 + utf8("κόσμε").length + 1; // header(2 + 16-bit length) + mask(4) + prefix + ED
        Recorder r = session();
        r.session.receive(ByteBuffer.wrap(f, 0, badIndex)); // up to and excluding A0
        assertThat(r.events).isEmpty();
        r.session.receive(ByteBuffer.wrap(f, badIndex, 1)); // A0 arrives
        assertThat(r.events).containsExactly("error:1007");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1007));
    }

    @Test
    void invalidUtf8AcrossFragmentsFailsInTheFragmentContainingIt() {
        // F4 | 90 80 80: the first fragment is fine, the second is impossible at its first byte
        byte[] in = concat(frame(false, Opcode.TEXT, bytes(0xF4)), frame(false, Opcode.CONTINUATION, bytes(0x90, 0x80, 0x80)));
        Recorder r = run(in);
        assertThat(r.events).containsExactly("error:1007");
        // the fragment is never completed (no FIN frame sent): still reported
    }

    @Test
    void codePointSplitAcrossFragmentsIsValid() {
        byte[] euro = utf8("€");
        byte[] in = concat(frame(false, Opcode.TEXT, Arrays.copyOf(euro, 1)),
                frame(false, Opcode.CONTINUATION, Arrays.copyOfRange(euro, 1, 2)),
                frame(true, Opcode.CONTINUATION, Arrays.copyOfRange(euro, 2, 3)));
        assertThat(run(in).events).containsExactly("text:€");
    }

    @Test
    void textEndingInsideACodePointFails1007() {
        assertThat(run(frame(true, Opcode.TEXT, bytes(0xE2, 0x82))).events).containsExactly("error:1007");
    }

    @Test
    void binaryIsNotValidated() {
        assertThat(run(frame(true, Opcode.BINARY, bytes(0xFF, 0xFE))).events).containsExactly("binary:fffe");
    }

    // ---- close ----

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    void validCloseCodesAreEchoed(int code) {
        Recorder r = run(concat(close(code, "Hi"), text("ignored")));
        assertThat(r.events).containsExactly("close:" + code + ":Hi");
        assertThat(hex(r.output())).isEqualTo(closeFrame(code));
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(r.session.receivedCloseCode()).isEqualTo(code);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void invalidCloseCodesFail1002(int code) {
        Recorder r = run(close(code, ""));
        assertThat(r.events).containsExactly("error:1002");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1002));
    }

    @Test
    void emptyCloseIsAnsweredWithEmptyClose() {
        Recorder r = run(frame(true, Opcode.CLOSE, new byte[0]));
        assertThat(r.events).containsExactly("close:1005:");
        assertThat(hex(r.output())).isEqualTo("8800");
    }

    @Test
    void closeReasonMustBeUtf8() {
        byte[] payload = concat(bytes(0x03, 0xE8), bytes(0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xED, 0xA0, 0x80));
        Recorder r = run(frame(true, Opcode.CLOSE, payload));
        assertThat(r.events).containsExactly("error:1007");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1007));
    }

    @Test
    void serverInitiatedCloseHandshake() {
        Recorder r = session();
        assertThat(r.session.close(1001, "going")).isTrue();
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSE_SENT);
        assertThat(hex(r.output())).isEqualTo("880703e9" + hex(utf8("going")));
        // data after our close: not sent
        assertThat(r.session.sendText("late")).isNull();
        assertThat(r.session.close()).isNull();
        // peer's data still delivered, pings not answered, then its close completes the handshake without a reply
        r.session.receive(ByteBuffer.wrap(concat(text("in flight"), frame(true, Opcode.PING, new byte[0]), close(1001, ""))));
        assertThat(r.events).containsExactly("text:in flight", "ping:", "close:1001:");
        assertThat(hex(r.output())).isEqualTo("880703e9" + hex(utf8("going")));
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSED);
    }

    @Test
    void manualCloseReply() {
        Recorder r = TestSupport.session(V, CFG.withAutoCloseReply(false));
        r.session.receive(ByteBuffer.wrap(close(1000, "")));
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSE_RECEIVED);
        assertThat(r.output()).isEmpty();
        assertThat(r.session.close(3000, null)).isTrue();
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(hex(r.output())).isEqualTo(closeFrame(3000));
    }

    @Test
    void transportCloseWithoutCloseFrameReports1006Once() {
        Recorder r = session();
        r.session.onTransportClosed();
        r.session.onTransportClosed();
        assertThat(r.events).containsExactly("close:1006:");
        Recorder r2 = run(close(1000, ""));
        r2.session.onTransportClosed();
        assertThat(r2.events).containsExactly("close:1000:");
    }

    @Test
    void invalidCloseArgumentsAreRefused() {
        Recorder r = session();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.session.close(1005, null))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.session.close(1000, "x".repeat(124)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(r.output()).isEmpty();
    }

    // ---- ping / pong ----

    @Test
    void unsolicitedPongIsIgnoredAndPingCanBeDisabled() {
        Recorder r = run(frame(true, Opcode.PONG, utf8("x")));
        assertThat(r.events).containsExactly("pong:78");
        assertThat(r.output()).isEmpty();
        Recorder r2 = runAllSplits(V, CFG.withAutoPong(false), frame(true, Opcode.PING, utf8("x")));
        assertThat(r2.events).containsExactly("ping:78");
        assertThat(r2.output()).isEmpty();
    }

    // ---- size limits ----

    @Test
    void messageTooBigIsDetectedFromTheHeader() {
        WebSocketConfig small = CFG.withMaxMessageSize(1000);
        Recorder ok = runAllSplits(V, small, frame(true, Opcode.BINARY, new byte[1000]));
        assertThat(ok.events).hasSize(1);
        // only the header of a too-big frame is sent: already fails
        Recorder r = TestSupport.session(V, small);
        r.session.receive(ByteBuffer.wrap(bytes(0x82, 0xFE, 0x03, 0xE9, 1, 2, 3, 4)));
        assertThat(r.events).containsExactly("error:1009");
        assertThat(hex(r.output())).isEqualTo(closeFrame(1009));
        // the sum of fragments counts
        byte[] frags = concat(frame(false, Opcode.TEXT, utf8("a".repeat(600))), frame(true, Opcode.CONTINUATION, utf8("b".repeat(401))));
        assertThat(runAllSplits(V, small, frags).events).containsExactly("error:1009");
        // a huge 64-bit length with default limits
        Recorder big = session();
        big.session.receive(ByteBuffer.wrap(bytes(0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4)));
        assertThat(big.events).containsExactly("error:1009");
    }

    // ---- streaming ----

    @Test
    void streamingDeliversFragmentsWithoutBuffering() {
        WebSocketConfig streaming = CFG.withStreaming(true);
        byte[] in = concat(frame(false, Opcode.TEXT, utf8("Hel")), frame(true, Opcode.PING, new byte[0]),
                frame(true, Opcode.CONTINUATION, utf8("lo")), frame(true, Opcode.BINARY, bytes(1, 2)),
                frame(true, Opcode.TEXT, new byte[0]));
        Recorder r = runAllSplits(V, streaming, in);
        assertThat(r.events).containsExactly("ping:", "stext:Hello", "sbinary:0102", "stext:");
        assertThat(r.fragLog).containsExactly("F-3", "-L2", "FL2", "FL0");
        // byte by byte: each payload byte is delivered as it arrives
        Recorder bb = TestSupport.session(V, streaming);
        TestSupport.feed(bb, TestSupport.split(frame(true, Opcode.TEXT, utf8("abcd")), 1, 0), false);
        assertThat(bb.fragLog).containsExactly("F-1", "--1", "--1", "-L1");
        assertThat(bb.events).containsExactly("stext:abcd");
    }

    @Test
    void streamingSplitsCodePointsButStillValidates() {
        WebSocketConfig streaming = CFG.withStreaming(true);
        byte[] in = frame(true, Opcode.TEXT, utf8("a€b"));
        Recorder bb = TestSupport.session(V, streaming);
        TestSupport.feed(bb, TestSupport.split(in, 1, 0), false);
        assertThat(bb.events).containsExactly("stext:a€b");
        assertThat(bb.fragLog).containsExactly("F-1", "--3", "-L1"); // € held back until complete
        // a code point split across three frames comes out whole
        byte[] euro = utf8("€");
        byte[] frames = concat(frame(false, Opcode.TEXT, Arrays.copyOf(euro, 1)),
                frame(false, Opcode.CONTINUATION, Arrays.copyOfRange(euro, 1, 2)),
                frame(true, Opcode.CONTINUATION, Arrays.copyOfRange(euro, 2, 3)));
        Recorder split = runAllSplits(V, streaming, frames);
        assertThat(split.fragLog).containsExactly("FL3");
        Recorder mixed = runAllSplits(V, streaming, concat(frame(false, Opcode.TEXT, concat(utf8("xy"), Arrays.copyOf(euro, 2))),
                frame(true, Opcode.CONTINUATION, concat(Arrays.copyOfRange(euro, 2, 3), utf8("z")))));
        assertThat(mixed.fragLog).containsExactly("F-2", "--3", "-L1");
        assertThat(mixed.events).containsExactly("stext:xy€z");
        // invalid byte mid-message: fails without delivering it
        Recorder bad = TestSupport.session(V, streaming);
        TestSupport.feed(bad, TestSupport.split(frame(true, Opcode.TEXT, concat(utf8("ab"), bytes(0xC0), utf8("cd"))), 1, 0), false);
        assertThat(bad.fragLog).containsExactly("F-1", "--1");
        assertThat(bad.events).containsExactly("error:1007");
    }

    // ---- zero-copy / buffer handling ----

    @Test
    void singleFrameMessageIsDeliveredAsAViewOfTheInput() {
        byte[] f = frame(true, Opcode.TEXT, utf8("zero copy"));
        ByteBuffer in = ByteBuffer.allocate(100);
        in.put(f).flip();
        ByteBuffer[] seen = new ByteBuffer[1];
        WebSocketSession<Boolean> s = new WebSocketSession<>(V, CFG, new WebSocketListener() {
            @Override
            public void onText(ByteBuffer utf8) {
                seen[0] = utf8;
                assertThat(utf8.position()).isEqualTo(6);
                assertThat(utf8.remaining()).isEqualTo(9);
            }
        }, (a, b, c, opcode) -> true);
        s.receive(in);
        assertThat(seen[0]).isSameAs(in);
        assertThat(in.position()).isEqualTo(f.length);
        assertThat(in.limit()).isEqualTo(f.length);
    }

    @Test
    void littleEndianAndDirectBuffersUnmaskCorrectly() {
        byte[] payload = new byte[1000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i % 251);
        }
        byte[] f = frame(true, Opcode.BINARY, payload, 0x01020304);
        for (ByteBuffer in : new ByteBuffer[] {ByteBuffer.allocate(f.length), ByteBuffer.allocateDirect(f.length)}) {
            in.order(java.nio.ByteOrder.LITTLE_ENDIAN).put(f).flip();
            Recorder r = session();
            // odd split so unmasking starts at unaligned payload offsets
            ByteBuffer a = in.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            a.limit(13);
            r.session.receive(a);
            ByteBuffer b = in.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.position(13);
            r.session.receive(b);
            assertThat(r.events).containsExactly("binary:" + hex(payload));
        }
    }

    @Test
    void echoThroughTheSessionProducesServerFrames() {
        Recorder r = session();
        r.echo = true;
        byte[] big = new byte[70000];
        Arrays.fill(big, (byte) 'x');
        r.session.receive(ByteBuffer.wrap(concat(text("Hello"), frame(true, Opcode.BINARY, big))));
        ByteBuffer expected = ByteBuffer.allocate(80000);
        HybiFrameEncoder.writeFrame(expected, true, Opcode.TEXT, ByteBuffer.wrap(utf8("Hello")));
        HybiFrameEncoder.writeFrame(expected, true, Opcode.BINARY, ByteBuffer.wrap(big));
        assertThat(hex(r.output())).isEqualTo(hex(Arrays.copyOf(expected.array(), expected.position())));
    }

    @Test
    void fragmentedSendsAndStateChecks() {
        Recorder r = session();
        r.session.sendFragment(ByteBuffer.wrap(utf8("Hel")), true, true, false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.session.sendText("x")).isInstanceOf(IllegalStateException.class);
        r.session.sendFragment(ByteBuffer.wrap(utf8("lo")), true, false, true);
        assertThat(hex(r.output())).isEqualTo("010348656c" + "80026c6f");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.session.sendFragment(ByteBuffer.allocate(0), true, false, true))
                .isInstanceOf(IllegalStateException.class);
        r.out.reset();
        assertThat(r.session.ping(ByteBuffer.wrap(utf8("p")))).isTrue();
        assertThat(r.session.pong(ByteBuffer.wrap(utf8("q")))).isTrue();
        assertThat(hex(r.output())).isEqualTo("890170" + "8a0171");
    }

    @Test
    void inputAfterErrorIsIgnoredAndConsumed() {
        Recorder r = session();
        ByteBuffer in = ByteBuffer.wrap(concat(frame(true, Opcode.CONTINUATION, new byte[0]), text("x"), text("y")));
        r.session.receive(in);
        assertThat(in.hasRemaining()).isFalse();
        r.session.receive(ByteBuffer.wrap(text("z")));
        assertThat(r.events).containsExactly("error:1002");
        assertThat(r.session.isClosed()).isTrue();
    }

    @Test
    void hybi07And08UseTheSameFraming() {
        for (ProtocolVersion v : new ProtocolVersion[] {ProtocolVersion.HYBI_07, ProtocolVersion.HYBI_08}) {
            Recorder r = runAllSplits(v, CFG, concat(text("a"), frame(true, Opcode.PING, utf8("b")), close(1000, "")));
            assertThat(r.events).containsExactly("text:a", "ping:62", "close:1000:");
            assertThat(hex(r.output())).isEqualTo("8a0162" + closeFrame(1000));
        }
    }
}
