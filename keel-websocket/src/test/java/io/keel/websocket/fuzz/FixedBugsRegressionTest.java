package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bugs the fuzz and property tests found, each kept as a regression test of its fix. */
class FixedBugsRegressionTest {

    /**
     * HybiFrameDecoder.finishHeader: {@code msgLen += len} overflows when a continuation frame announces a 64-bit
     * length close to 2^63 after a non-empty first fragment (1 + 0x7FFFFFFFFFFFFFFF is negative), so
     * {@code msgLen > maxMessageSize} is false and the 1009 check is bypassed: the decoder then accepts (and in
     * accumulate mode buffers, growing {@code acc} without the maxMessageSize cap) an unbounded payload.
     */
    @Test
    void continuationWithHuge64BitLengthFailsWith1009() {
        List<String> events = new ArrayList<>();
        WebSocketListener l = new WebSocketListener() {
            @Override
            public void onProtocolError(int closeCode, String reason) {
                events.add("ERR:" + closeCode);
            }

            @Override
            public void onBinary(ByteBuffer data) {
                events.add("B:" + data.remaining());
            }
        };
        List<String> written = new ArrayList<>();
        WebSocketConfig cfg = WebSocketConfig.defaults().withMaxMessageSize(1000);
        WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, cfg, l, (a, b, c, opcode) -> {
            written.add(HexFormat.of().formatHex(SessionHarness.concat(SessionHarness.bytes(a), SessionHarness.bytes(b),
                    SessionHarness.bytes(c))));
            return true;
        });
        byte[] in = HexFormat.of().parseHex(
                // binary, FIN=0, masked, length 1, mask 00000000, payload 'x'
                "0281" + "00000000" + "78"
                // continuation, FIN=1, masked, 64-bit length 0x7FFFFFFFFFFFFFFF, mask 00000000
                + "80ff" + "7fffffffffffffff" + "00000000");
        s.receive(ByteBuffer.wrap(in));
        assertThat(events).containsExactly("ERR:" + CloseCodes.MESSAGE_TOO_BIG);
        assertThat(s.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(written).containsExactly("880203f1");
    }

    /**
     * Hixie76FrameDecoder.decode, cases LENGTH and DISCARD_TEXT: after {@code fail(MESSAGE_TOO_BIG, ...)} they
     * {@code return} out of the read loop, so the bytes after the offending one stay in {@code in}, breaking the
     * documented "position ends at limit" / "consumes all of in" contract of decode() and WebSocketSession.receive.
     */
    @Test
    void hixie76OversizedLengthFrameConsumesAllInput() {
        List<String> events = new ArrayList<>();
        WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults().withMaxMessageSize(125),
                new WebSocketListener() {
                    @Override
                    public void onProtocolError(int closeCode, String reason) {
                        events.add("ERR:" + closeCode);
                    }
                }, (a, b, c, opcode) -> true);
        // frame type 0x98 (length-prefixed), length bytes E0 E0 ... exceed 125 at the second one
        ByteBuffer in = ByteBuffer.wrap(HexFormat.of().parseHex("98e0e0e0e0e0e0e0"));
        s.receive(in);
        assertThat(events).containsExactly("ERR:1009");
        assertThat(in.remaining()).as("receive consumes all of in").isZero();
        // same for a discarded text frame (type 0x01) longer than the limit
        WebSocketSession<Boolean> s2 = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults().withMaxMessageSize(125),
                new WebSocketListener() { }, (a, b, c, opcode) -> true);
        ByteBuffer in2 = ByteBuffer.wrap(new byte[300]);
        in2.put(0, (byte) 0x01);
        s2.receive(in2);
        assertThat(s2.isClosed()).isTrue();
        assertThat(in2.remaining()).isZero();
    }

    /**
     * WebSocketSession.writeClose (Hixie-76 branch), used by close() and onDecodeError: when a streamed text frame
     * was started with sendFragment(first=true, last=false) and not finished, it writes FF 00 directly; the peer reads
     * FF as the end of the open text frame and 00 as the start of a new one, so it never sees the close.
     */
    @Test
    void hixie76CloseWhileAFragmentedTextFrameIsOpen() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults().withStreaming(true),
                new WebSocketListener() { }, (a, b, c, opcode) -> {
                    out.writeBytes(SessionHarness.concat(SessionHarness.bytes(a), SessionHarness.bytes(b),
                            SessionHarness.bytes(c)));
                    return true;
                });
        s.sendFragment(ByteBuffer.wrap(new byte[] {'h'}), true, true, false);
        s.close();
        // expected: 00 68 FF (frame ended) then FF 00 (close); actual: 00 68 FF 00
        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo("0068ffff00");
    }
}
