package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.concat;
import static io.keel.websocket.protocol.TestSupport.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.TestSupport.Recorder;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Drives handshake + session the way the socket glue will, and checks the echo hot path does not allocate. */
class GlueFlowTest {

    @Test
    void handshakeThenFramesInTheSameRead() {
        byte[] req = HandshakeTest.hybi("13", "").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer read = ByteBuffer.allocate(4096);
        read.put(concat(req, TestSupport.text("first"), TestSupport.close(1000, ""))).flip();
        Handshaker hs = new Handshaker(HandshakeConfig.defaults());
        HandshakeResult r = hs.receive(read);
        assertThat(r).isInstanceOf(HandshakeResult.Accepted.class);
        HandshakeResult.Accepted a = (HandshakeResult.Accepted) r;
        Recorder rec = new Recorder();
        rec.echo = true;
        rec.session = new WebSocketSession<>(a.version(), WebSocketConfig.defaults(), rec, rec);
        rec.session.receive(read); // leftover bytes after the handshake
        assertThat(rec.events).containsExactly("text:first", "close:1000:");
        assertThat(hex(rec.output())).isEqualTo("8105" + hex(TestSupport.utf8("first")) + "880203e8");
        assertThat(rec.session.isClosed()).isTrue();
    }

    @Test
    void hixieHandshakeThenFrames() {
        byte[] req = (HandshakeTest.HIXIE_SPEC_KEYS + "Tm[K T2u").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer read = ByteBuffer.wrap(concat(req, TestSupport.bytes(0), TestSupport.utf8("hi"), TestSupport.bytes(0xFF)));
        HandshakeResult.Accepted a = (HandshakeResult.Accepted) new Handshaker(HandshakeConfig.defaults()).receive(read);
        Recorder rec = new Recorder();
        rec.session = new WebSocketSession<>(a.version(), WebSocketConfig.defaults(), rec, rec);
        rec.session.receive(read);
        assertThat(rec.events).containsExactly("text:hi");
    }

    @Test
    void echoHotPathDoesNotAllocate() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] sunk = new long[1];
        OutputSink<Boolean> sink = (h, p, s, opcode) -> {
            sunk[0] += h.remaining() + p.remaining() + s.remaining();
            return true;
        };
        @SuppressWarnings("unchecked")
        WebSocketSession<Boolean>[] holder = new WebSocketSession[1];
        WebSocketListener echo = new WebSocketListener() {
            @Override
            public void onText(ByteBuffer utf8) {
                holder[0].sendText(utf8);
            }

            @Override
            public void onBinary(ByteBuffer data) {
                holder[0].sendBinary(data);
            }
        };
        holder[0] = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), echo, sink);
        byte[] frames = concat(TestSupport.text("Hello, world! ".repeat(10)), TestSupport.frame(true, Opcode.BINARY, new byte[300]),
                TestSupport.frame(false, Opcode.TEXT, TestSupport.utf8("frag")), TestSupport.frame(true, Opcode.PING, new byte[4]),
                TestSupport.frame(true, Opcode.CONTINUATION, TestSupport.utf8("mented")));
        ByteBuffer read = ByteBuffer.allocateDirect(frames.length);
        Runnable oneRead = () -> {
            read.clear();
            read.put(frames).flip(); // the client re-sends the same masked bytes each round
            holder[0].receive(read);
        };
        for (int i = 0; i < 20_000; i++) {
            oneRead.run();
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) {
            oneRead.run();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(sunk[0]).isPositive();
        // 80,000 frames: allow a little noise (e.g. the measurement itself), far below one object per frame
        assertThat(allocated).as("bytes allocated for 80k frames").isLessThan(16 * 1024);
    }
}
