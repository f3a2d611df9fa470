package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.hex;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link FrameScratch} alone, and two sessions of one thread sharing one. */
class FrameScratchTest {
    private static String bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return hex(a);
    }

    @Test
    @DisplayName("RFC 6455 §5.2: server headers (FIN, opcode, 7/16/64-bit length, no mask)")
    void hybiHeaders() {
        FrameScratch s = new FrameScratch();
        assertThat(bytes(s.hybiHeader(true, Opcode.TEXT, 5))).isEqualTo(hex(new byte[] {(byte) 0x81, 5}));
        assertThat(bytes(s.hybiHeader(false, Opcode.BINARY, 300))).isEqualTo(hex(new byte[] {0x02, 126, 0x01, 0x2C}));
        assertThat(s.hybiHeader(true, Opcode.BINARY, 70_000).remaining()).isEqualTo(10);
    }

    @Test
    @DisplayName("Hixie-76: 0x00 before the first piece, 0xFF after the last, 0xFF 0x00 to close (ending a streamed frame first)")
    void hixiePieces() {
        FrameScratch s = new FrameScratch();
        assertThat(bytes(s.hixiePrefix(true, false, false))).isEqualTo("00");
        assertThat(bytes(s.hixiePrefix(false, false, false))).isEmpty();
        assertThat(bytes(s.hixiePrefix(false, false, true))).isEqualTo("ff00");
        assertThat(bytes(s.hixiePrefix(false, true, true))).isEqualTo("ffff00");
        assertThat(bytes(s.hixieSuffix(true))).isEqualTo("ff");
        assertThat(bytes(s.hixieSuffix(false))).isEmpty();
        assertThat(s.empty().remaining()).isZero();
    }

    @Test
    @DisplayName("RFC 6455 §5.5.1: close payloads, code first (big-endian), then the reason")
    void closePayloads() {
        FrameScratch s = new FrameScratch();
        assertThat(bytes(s.closePayload(1000, utf8("ok")))).isEqualTo("03e86f6b");
        assertThat(bytes(s.closeCode(1002))).isEqualTo("03ea");
    }

    @Test
    @DisplayName("two sessions driven by one thread share one scratch: each frame is whole in its own sink")
    void sharedBySessions() {
        FrameScratch shared = new FrameScratch();
        ByteArrayOutputStream outA = new ByteArrayOutputStream();
        ByteArrayOutputStream outB = new ByteArrayOutputStream();
        WebSocketSession<Boolean> a = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(),
            new WebSocketListener() { }, (p, q, r, op) -> write(outA, p, q, r), shared);
        WebSocketSession<Boolean> b = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults(),
            new WebSocketListener() { }, (p, q, r, op) -> write(outB, p, q, r), shared);
        assertThat(a.sendText(ByteBuffer.wrap(utf8("hi")))).isTrue();
        assertThat(b.sendText(ByteBuffer.wrap(utf8("yo")))).isTrue();
        assertThat(a.close(1000, "")).isTrue();
        assertThat(b.close()).isTrue();
        assertThat(hex(outA.toByteArray())).isEqualTo("8102" + "6869" + "8802" + "03e8");
        assertThat(hex(outB.toByteArray())).isEqualTo("00" + "796f" + "ff" + "ff00");
    }

    private static Boolean write(ByteArrayOutputStream out, ByteBuffer p, ByteBuffer q, ByteBuffer r) {
        for (ByteBuffer x : new ByteBuffer[] {p, q, r}) {
            byte[] a = new byte[x.remaining()];
            x.get(a);
            out.writeBytes(a);
        }
        return Boolean.TRUE;
    }
}
