package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.bytes;
import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.hex;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.websocket.protocol.TestSupport.Recorder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Hixie76FramingTest {
    static final ProtocolVersion V = ProtocolVersion.HIXIE_76;
    static final WebSocketConfig CFG = WebSocketConfig.defaults();

    static byte[] text(String s) {
        return concat(bytes(0x00), utf8(s), bytes(0xFF));
    }

    static Recorder run(byte[] in) {
        return TestSupport.runAllSplits(V, CFG, in);
    }

    @Test
    void textFrames() {
        Recorder r = run(concat(text("Hello"), text(""), text("κόσμε €𝄞")));
        assertThat(r.events).containsExactly("text:Hello", "text:", "text:κόσμε €𝄞");
        assertThat(r.output()).isEmpty();
    }

    @Test
    void invalidUtf8ClosesWithoutWaitingForTheEndOfTheFrame() {
        Recorder r = TestSupport.session(V, CFG);
        r.session.receive(ByteBuffer.wrap(concat(bytes(0x00), utf8("ab"), bytes(0xC0))));
        assertThat(r.events).containsExactly("error:1007");
        assertThat(hex(r.output())).isEqualTo("ff00");
        assertThat(r.session.isClosed()).isTrue();
        // truncated sequence at frame end
        assertThat(run(concat(bytes(0x00, 0xE2, 0x82), bytes(0xFF))).events).containsExactly("error:1007");
    }

    @Test
    void closingHandshake() {
        Recorder r = run(concat(text("a"), bytes(0xFF, 0x00), text("ignored")));
        assertThat(r.events).containsExactly("text:a", "close:1005:");
        assertThat(hex(r.output())).isEqualTo("ff00");
        assertThat(r.session.closeState()).isEqualTo(CloseState.CLOSED);

        Recorder s = TestSupport.session(V, CFG);
        assertThat(s.session.close(1000, "reason not on the wire")).isTrue();
        assertThat(hex(s.output())).isEqualTo("ff00");
        assertThat(s.session.closeState()).isEqualTo(CloseState.CLOSE_SENT);
        s.session.receive(ByteBuffer.wrap(bytes(0xFF, 0x00)));
        assertThat(s.session.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(hex(s.output())).isEqualTo("ff00");
    }

    @Test
    void lengthPrefixedFramesAreSkipped() {
        // type 0x80, length 130 = 0x81 0x02, then 130 bytes (including 0xFF and 0x00 bytes that must not confuse us)
        byte[] data = new byte[130];
        Arrays.fill(data, (byte) 0xFF);
        byte[] in = concat(bytes(0x80, 0x81, 0x02), data, bytes(0x80, 0x00), text("after"), bytes(0x85, 0x01, 0x00));
        Recorder r = run(in);
        assertThat(r.events).containsExactly("text:after");
        assertThat(r.session.isClosed()).isFalse();
    }

    @Test
    void unknownSentinelFramesAreDiscarded() {
        assertThat(run(concat(bytes(0x05), utf8("junk"), bytes(0xC0, 0xFF), text("ok"))).events).containsExactly("text:ok");
    }

    @Test
    void maximumFrameSize() {
        WebSocketConfig small = CFG.withMaxMessageSize(200);
        assertThat(TestSupport.runAllSplits(V, small, text("x".repeat(200))).events).hasSize(1);
        Recorder r = TestSupport.session(V, small);
        r.session.receive(ByteBuffer.wrap(concat(bytes(0x00), utf8("x".repeat(201))))); // no terminator yet
        assertThat(r.events).containsExactly("error:1009");
        assertThat(hex(r.output())).isEqualTo("ff00");
        // announced length too big: rejected at the length, before the data
        Recorder l = TestSupport.session(V, small);
        l.session.receive(ByteBuffer.wrap(bytes(0x80, 0x82, 0x00)));
        assertThat(l.events).containsExactly("error:1009");
        // a never-ending length cannot overflow
        Recorder inf = TestSupport.session(V, CFG);
        byte[] endless = new byte[100];
        Arrays.fill(endless, (byte) 0xFF);
        inf.session.receive(ByteBuffer.wrap(concat(bytes(0x80), endless)));
        assertThat(inf.events).containsExactly("error:1009");
        // discarded sentinel frames are bounded too
        Recorder d = TestSupport.session(V, small);
        d.session.receive(ByteBuffer.wrap(concat(bytes(0x01), new byte[300])));
        assertThat(d.events).containsExactly("error:1009");
    }

    @Test
    void streamingMode() {
        WebSocketConfig streaming = CFG.withStreaming(true);
        Recorder r = TestSupport.runAllSplits(V, streaming, concat(text("Hello"), text("")));
        assertThat(r.events).containsExactly("stext:Hello", "stext:");
        Recorder bb = TestSupport.session(V, streaming);
        TestSupport.feed(bb, TestSupport.split(text("abc"), 1, 0), false);
        assertThat(bb.fragLog).containsExactly("F-1", "--1", "--1", "-L0");
        Recorder cp = TestSupport.session(V, streaming);
        TestSupport.feed(cp, TestSupport.split(text("a𝄞"), 1, 0), false);
        assertThat(cp.fragLog).containsExactly("F-1", "--4", "-L0");
        assertThat(cp.events).containsExactly("stext:a𝄞");
    }

    @Test
    void encoderAndSends() {
        ByteBuffer dst = ByteBuffer.allocate(32);
        Hixie76FrameEncoder.writeText(dst, ByteBuffer.wrap(utf8("hi")));
        Hixie76FrameEncoder.writeClose(dst);
        assertThat(hex(Arrays.copyOf(dst.array(), dst.position()))).isEqualTo("006869ff" + "ff00");

        Recorder r = TestSupport.session(V, CFG);
        r.session.sendText("héllo");
        assertThat(hex(r.output())).isEqualTo(hex(text("héllo")));
        r.out.reset();
        // binary: sent as text when it is valid UTF-8, refused otherwise
        assertThat(r.session.sendBinary(ByteBuffer.wrap(utf8("ok")))).isTrue();
        assertThat(hex(r.output())).isEqualTo(hex(text("ok")));
        assertThatThrownBy(() -> r.session.sendBinary(ByteBuffer.wrap(bytes(0xFF, 0x00)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.session.sendFragment(ByteBuffer.wrap(bytes(1)), false, true, true))
                .isInstanceOf(IllegalArgumentException.class);
        // no ping/pong in Hixie-76
        assertThat(r.session.ping(ByteBuffer.allocate(0))).isNull();
        assertThat(r.session.pong(ByteBuffer.allocate(0))).isNull();
        // streamed text frame
        r.out.reset();
        r.session.sendFragment(ByteBuffer.wrap(utf8("ab")), true, true, false);
        r.session.sendFragment(ByteBuffer.wrap(utf8("cd")), true, false, true);
        assertThat(hex(r.output())).isEqualTo(hex(text("abcd")));
    }

    @Test
    void echo() {
        Recorder r = TestSupport.session(V, CFG);
        r.echo = true;
        TestSupport.feed(r, TestSupport.split(concat(text("one"), text("two")), 2, 5), false);
        assertThat(hex(r.output())).isEqualTo(hex(concat(text("one"), text("two"))));
    }
}
