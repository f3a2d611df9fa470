package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.bytes;
import static io.keel.websocket.protocol.TestSupport.close;
import static io.keel.websocket.protocol.TestSupport.frame;
import static io.keel.websocket.protocol.TestSupport.text;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sans-I/O {@link WebSocketSession} with an {@link OutputSink} that refuses frames, as a connection does at its
 * queue limit (data frames refused, control frames let through) or when its peer reads nothing at all (everything
 * refused): a refused send is reported as not sent; close, ping, pong and the close reply are always offered as
 * control frames; a refused close still ends the session's sending, and says so ({@link
 * WebSocketSession#closeDelivered()}), so the glue can abort.
 */
class RefusingSinkSessionTest {
    /** Refuses data frames and/or control frames, and records what it was offered and what it accepted. */
    static final class Sink implements OutputSink<Boolean> {
        boolean acceptData;
        boolean acceptControl;
        final List<String> offered = new ArrayList<>();
        final List<byte[]> accepted = new ArrayList<>();

        Sink(boolean acceptData, boolean acceptControl) {
            this.acceptData = acceptData;
            this.acceptControl = acceptControl;
        }

        @Override
        public Boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
            boolean control = Opcode.isControl(opcode);
            ByteBuffer all = ByteBuffer.allocate(prefix.remaining() + payload.remaining() + suffix.remaining());
            all.put(prefix.duplicate()).put(payload.duplicate()).put(suffix.duplicate());
            byte[] f = all.array();
            offered.add((control ? "control:" : "data:") + TestSupport.hex(f));
            if (control ? acceptControl : acceptData) {
                accepted.add(f);
                return Boolean.TRUE;
            }
            return null; // refused: nothing written
        }
    }

    static final class Events implements WebSocketListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onText(ByteBuffer utf8) {
            events.add("text:" + TestSupport.Recorder.str(utf8));
        }

        @Override
        public void onClose(int code, String reason) {
            events.add("close:" + code);
        }

        @Override
        public void onProtocolError(int closeCode, String reason) {
            events.add("error:" + closeCode);
        }
    }

    private static WebSocketSession<Boolean> session(ProtocolVersion v, Sink sink, Events events) {
        return new WebSocketSession<>(v, WebSocketConfig.defaults(), events, sink);
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RFC_6455", "HYBI_08", "HYBI_07"})
    void atTheDataLimitMessagesAreNotSentButPingCloseAndTheCloseReplyAre(ProtocolVersion v) {
        Sink sink = new Sink(false, true);
        Events ev = new Events();
        WebSocketSession<Boolean> s = session(v, sink, ev);

        assertThat(s.sendText(ByteBuffer.wrap(utf8("refused")))).as("a refused text message").isNull();
        assertThat(s.sendText("refused too")).isNull();
        assertThat(s.sendBinary(ByteBuffer.wrap(bytes(1, 2, 3)))).as("a refused binary message").isNull();
        assertThat(s.sendFragment(ByteBuffer.wrap(utf8("a")), true, true, false)).as("a refused first fragment").isNull();
        assertThat(s.canStartMessage()).as("the refused first fragment started nothing").isTrue();
        assertThat(s.ping(ByteBuffer.wrap(utf8("p")))).as("a ping: a control frame, let through").isTrue();
        assertThat(s.pong(ByteBuffer.wrap(utf8("q")))).as("a pong: a control frame, let through").isTrue();

        // the peer's ping is answered with a pong offered as a control frame
        s.receive(ByteBuffer.wrap(frame(true, Opcode.PING, utf8("hi"))));
        // the peer's close is answered, as a control frame, and accepted
        s.receive(ByteBuffer.wrap(close(1000, "")));
        assertThat(ev.events).containsExactly("close:1000");
        assertThat(s.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(s.closeDelivered()).as("the close reply was accepted").isTrue();

        assertThat(sink.offered).as("what the session offered the sink").hasSize(8);
        assertThat(sink.offered.subList(0, 4)).allMatch(o -> o.startsWith("data:"));
        assertThat(sink.offered.subList(4, 8)).allMatch(o -> o.startsWith("control:"));
        assertThat(sink.accepted).hasSize(4);
        byte[] reply = sink.accepted.get(3);
        assertThat(reply[0] & 0xFF).as("the close reply: FIN + close").isEqualTo(0x88);
        assertThat(((reply[2] & 0xFF) << 8) | (reply[3] & 0xFF)).as("the close reply's code").isEqualTo(1000);
        byte[] pong = sink.accepted.get(2);
        assertThat(pong[0] & 0xFF).as("the automatic pong").isEqualTo(0x8A);
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RFC_6455", "HIXIE_76"})
    void anOwnCloseAtTheDataLimitIsSentAsAControlFrame(ProtocolVersion v) {
        Sink sink = new Sink(false, true);
        WebSocketSession<Boolean> s = session(v, sink, new Events());
        assertThat(s.sendText(ByteBuffer.wrap(utf8("refused")))).isNull();
        assertThat(s.close(1008, "send queue full")).as("our close, let through past the data limit").isTrue();
        assertThat(s.closeDelivered()).isTrue();
        assertThat(s.closeState()).isEqualTo(CloseState.CLOSE_SENT);
        assertThat(sink.offered).hasSize(2);
        assertThat(sink.offered.get(1)).startsWith("control:");
        if (v == ProtocolVersion.HIXIE_76) {
            assertThat(sink.accepted.get(0)).isEqualTo(bytes(0xFF, 0x00));
        } else {
            byte[] c = sink.accepted.get(0);
            assertThat(c[0] & 0xFF).isEqualTo(0x88);
            assertThat(((c[2] & 0xFF) << 8) | (c[3] & 0xFF)).isEqualTo(1008);
            assertThat(new String(c, 4, c.length - 4, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("send queue full");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RFC_6455", "HIXIE_76"})
    void whenEvenTheCloseIsRefusedTheSessionSaysSoAndSendsNothingMore(ProtocolVersion v) {
        Sink sink = new Sink(false, false);
        WebSocketSession<Boolean> s = session(v, sink, new Events());
        assertThat(s.close()).as("a refused close reports not sent").isNull();
        assertThat(s.closeDelivered()).as("the glue must abort: the peer never gets our close").isFalse();
        assertThat(s.closeState()).as("no more sending either way").isEqualTo(CloseState.CLOSE_SENT);
        int offered = sink.offered.size();
        assertThat(s.sendText(ByteBuffer.wrap(utf8("after")))).isNull();
        assertThat(s.ping(ByteBuffer.allocate(0))).isNull();
        assertThat(s.close(1000, "again")).isNull();
        assertThat(sink.offered).as("nothing offered after the close").hasSize(offered);
    }

    @Test
    void aRefusedCloseReplyIsReportedSoTheGlueCanAbort() {
        Sink sink = new Sink(false, false);
        Events ev = new Events();
        WebSocketSession<Boolean> s = session(ProtocolVersion.RFC_6455, sink, ev);
        s.receive(ByteBuffer.wrap(close(1001, "bye")));
        assertThat(ev.events).containsExactly("close:1001");
        assertThat(sink.offered).hasSize(1);
        assertThat(sink.offered.get(0)).as("the close reply, offered as a control frame").startsWith("control:");
        assertThat(s.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(s.closeDelivered()).as("the refused close reply is reported").isFalse();
    }

    @Test
    void theCloseForAProtocolErrorIsOfferedAsAControlFrame() {
        Sink sink = new Sink(false, true);
        Events ev = new Events();
        WebSocketSession<Boolean> s = session(ProtocolVersion.RFC_6455, sink, ev);
        s.receive(ByteBuffer.wrap(frame(true, 0x3, utf8("x")))); // reserved opcode: 1002
        assertThat(ev.events).containsExactly("error:1002");
        assertThat(sink.offered).hasSize(1);
        assertThat(sink.offered.get(0)).startsWith("control:");
        assertThat(s.closeDelivered()).isTrue();
    }

    @Test
    void messagesBeforeAPeersCloseAreDeliveredAndARefusedEchoIsNotSent() {
        Sink sink = new Sink(true, true);
        Events ev = new Events();
        @SuppressWarnings("unchecked")
        WebSocketSession<Boolean>[] holder = new WebSocketSession[1];
        List<Boolean> echoed = new ArrayList<>();
        WebSocketListener echo = new WebSocketListener() {
            @Override
            public void onText(ByteBuffer utf8) {
                ev.onText(utf8);
                echoed.add(holder[0].sendText(utf8));
                sink.acceptData = false; // the first echo fills the queue: the second is refused
            }

            @Override
            public void onClose(int code, String reason) {
                ev.onClose(code, reason);
            }
        };
        holder[0] = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), echo, sink);
        holder[0].receive(ByteBuffer.wrap(TestSupport.concat(text("one"), text("two"), close(1000, ""))));
        assertThat(ev.events).containsExactly("text:one", "text:two", "close:1000");
        assertThat(echoed).as("the second echo was refused and reported so").containsExactly(true, null);
        assertThat(sink.accepted).as("the first echo, then the close reply (a control frame)").hasSize(2);
        assertThat(sink.accepted.get(1)[0] & 0xFF).isEqualTo(0x88);
    }
}
