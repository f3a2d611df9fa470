package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.bytes;
import static io.keel.websocket.protocol.TestSupport.close;
import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.frame;
import static io.keel.websocket.protocol.TestSupport.text;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The session stops delivering the moment its listener pauses (the rest of the input stays unconsumed and
 * untouched, to be fed again after the resume), and it can tell whether that rest already holds the peer's
 * close; sends the sink refuses are reported as not sent.
 */
class PauseAndCloseAheadTest {

    /** Records messages; pauses after {@code pauseAfter} of them until told otherwise. */
    static final class PausingListener implements WebSocketListener {
        final List<String> messages = new ArrayList<>();
        final List<Integer> closes = new ArrayList<>();
        int pauseAfter = Integer.MAX_VALUE;
        boolean paused;

        @Override
        public void onText(ByteBuffer utf8) {
            messages.add(StandardCharsets.UTF_8.decode(utf8).toString());
            paused = messages.size() >= pauseAfter;
        }

        @Override
        public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
            messages.add((first ? "[" : "") + StandardCharsets.UTF_8.decode(data) + (last ? "]" : ""));
            paused = messages.size() >= pauseAfter;
        }

        @Override
        public void onClose(int code, String reason) {
            closes.add(code);
        }

        @Override
        public boolean isReadingPaused() {
            return paused;
        }
    }

    static final OutputSink<Boolean> ACCEPT_ALL = (a, b, c, opcode) -> true;

    @Nested
    @DisplayName("HyBi (RFC 6455 section 5)")
    class Hybi {
        @Test
        @DisplayName("no message is delivered after a pause, not even one already in the buffer")
        void pauseStopsDeliveryAtTheNextFrame() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            byte[] second = text("two");
            ByteBuffer in = ByteBuffer.wrap(concat(text("one"), second, text("three")));

            s.receive(in);

            assertThat(l.messages).containsExactly("one");
            assertThat(in.remaining()).as("the rest is left, still masked").isEqualTo(second.length + text("three").length);
            assertThat(in.get(in.position())).isEqualTo(second[0]);

            l.paused = false;
            l.pauseAfter = Integer.MAX_VALUE;
            s.receive(in);
            assertThat(l.messages).containsExactly("one", "two", "three");
            assertThat(in.hasRemaining()).isFalse();
        }

        @Test
        @DisplayName("a paused session reads nothing at all")
        void pausedBeforeReceiveConsumesNothing() {
            PausingListener l = new PausingListener();
            l.paused = true;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            ByteBuffer in = ByteBuffer.wrap(text("one"));
            s.receive(in);
            assertThat(l.messages).isEmpty();
            assertThat(in.position()).isZero();
        }

        @Test
        @DisplayName("streaming: a pause between chunks of one frame resumes in the middle of it")
        void streamingPauseMidFrame() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455,
                WebSocketConfig.defaults().withStreaming(true), l, ACCEPT_ALL);
            byte[] f = text("hello world");
            ByteBuffer first = ByteBuffer.wrap(f, 0, 8); // header (6 bytes) + "he"
            s.receive(first);
            assertThat(l.messages).containsExactly("[he");
            l.paused = false;
            l.pauseAfter = Integer.MAX_VALUE;
            s.receive(ByteBuffer.wrap(f, 8, f.length - 8));
            assertThat(String.join("", l.messages)).isEqualTo("[hello world]");
        }

        @Test
        @DisplayName("the close frame behind paused messages is seen without being consumed")
        void closeAhead() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            byte[] big = new byte[70_000];
            ByteBuffer in = ByteBuffer.wrap(concat(text("one"), frame(true, Opcode.BINARY, big), frame(true, Opcode.PING, utf8("p")),
                close(1000, "bye")));
            s.receive(in);
            int before = in.position();
            assertThat(s.closeFrameAhead(in)).isTrue();
            assertThat(in.position()).isEqualTo(before);
            assertThat(l.closes).isEmpty();

            ByteBuffer noClose = ByteBuffer.wrap(concat(text("one"), text("two")));
            PausingListener l2 = new PausingListener();
            l2.pauseAfter = 1;
            WebSocketSession<Boolean> s2 = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), l2, ACCEPT_ALL);
            s2.receive(noClose);
            assertThat(s2.closeFrameAhead(noClose)).isFalse();
        }

        @Test
        @DisplayName("a close split before its header is complete is not reported")
        void partialCloseIsNotAhead() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            byte[] wire = concat(text("one"), text("two"), close(1000, ""));
            ByteBuffer in = ByteBuffer.wrap(wire, 0, wire.length - close(1000, "").length + 1);
            s.receive(in);
            assertThat(s.closeFrameAhead(in)).isFalse();
        }
    }

    @Nested
    @DisplayName("Hixie-76")
    class Hixie {
        @Test
        @DisplayName("no message is delivered after a pause; the closing handshake behind it is seen")
        void pauseAndCloseAhead() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            ByteBuffer in = ByteBuffer.wrap(concat(bytes(0x00), utf8("one"), bytes(0xFF), bytes(0x00), utf8("two"), bytes(0xFF),
                bytes(0x80, 0x02, 'x', 'y'), bytes(0xFF, 0x00)));
            s.receive(in);
            assertThat(l.messages).containsExactly("one");
            assertThat(s.closeFrameAhead(in)).isTrue();
            l.paused = false;
            l.pauseAfter = Integer.MAX_VALUE;
            s.receive(in);
            assertThat(l.messages).containsExactly("one", "two");
            assertThat(l.closes).containsExactly(CloseCodes.NO_STATUS_RECEIVED);
        }

        @Test
        @DisplayName("an 0xFF that ends a text frame is not the closing handshake")
        void textEndIsNotClose() {
            PausingListener l = new PausingListener();
            l.pauseAfter = 1;
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults(), l, ACCEPT_ALL);
            ByteBuffer in = ByteBuffer.wrap(concat(bytes(0x00), utf8("one"), bytes(0xFF), bytes(0x00), utf8("two"), bytes(0xFF)));
            s.receive(in);
            assertThat(s.closeFrameAhead(in)).isFalse();
        }
    }

    @Nested
    @DisplayName("refused sends")
    class Refused {
        @Test
        @DisplayName("a frame the sink refuses is not reported as sent, and a refused fragment can be sent again")
        void refusedSendsAreNotSent() {
            boolean[] accept = {false};
            List<Integer> opcodes = new ArrayList<>();
            OutputSink<Boolean> sink = (a, b, c, opcode) -> {
                opcodes.add(opcode);
                return accept[0] ? Boolean.TRUE : null;
            };
            WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(),
                new WebSocketListener() { }, sink);
            assertThat(s.sendText(ByteBuffer.wrap(utf8("x")))).isNull();
            assertThat(s.sendFragment(ByteBuffer.wrap(utf8("a")), true, true, false)).isNull();
            accept[0] = true;
            assertThat(s.sendFragment(ByteBuffer.wrap(utf8("a")), true, true, false))
                .as("the refused first fragment did not start a message").isTrue();
            assertThat(s.sendFragment(ByteBuffer.wrap(utf8("b")), true, false, true)).isTrue();
            assertThat(s.ping(ByteBuffer.allocate(0))).isTrue();
            accept[0] = false;
            assertThat(s.close(1000, "")).isNull();
            assertThat(s.closeDelivered()).isFalse();
            assertThat(opcodes).containsExactly(Opcode.TEXT, Opcode.TEXT, Opcode.TEXT, Opcode.CONTINUATION, Opcode.PING,
                Opcode.CLOSE);
        }
    }
}
