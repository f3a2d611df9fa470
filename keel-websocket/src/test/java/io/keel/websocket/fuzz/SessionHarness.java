package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.OutputSink;
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

/**
 * Drives a {@link WebSocketSession} with arbitrary client bytes and checks its invariants after every read:
 * <ul>
 *   <li>nothing but the documented exceptions escapes (none do on the receive path);</li>
 *   <li>listener events are consistent: messages complete and within {@code maxMessageSize}, text is valid UTF-8,
 *       streaming fragments are well nested and text chunks hold whole code points, at most one close/error event
 *       and nothing after it;</li>
 *   <li>every {@code writeFrame} is one well-formed server frame (unmasked, no RSV, minimal length, control frames
 *       final and ≤125 bytes, valid close code and UTF-8 reason), at most one close frame and nothing after it;
 *       a pong echoes its ping;</li>
 *   <li>after a protocol error the session is CLOSED, a close with the error's code was written exactly once
 *       (unless we had already sent one) and further input changes nothing.</li>
 * </ul>
 * {@link #transcript()} is a split-independent summary (complete messages, control events, outcome, bytes written)
 * used to compare a run over arbitrarily split input with a run over the whole input in one read.
 */
final class SessionHarness implements WebSocketListener, OutputSink<Boolean> {
    final ProtocolVersion version;
    final WebSocketConfig cfg;
    final boolean echo;
    final WebSocketSession<Boolean> session;

    /** Split-independent record of what happened. */
    private final List<String> transcript = new ArrayList<>();
    /** Raw server output. */
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream msg = new ByteArrayOutputStream();
    private boolean inFragmented;
    private boolean fragText;
    private boolean ended; // close or protocol error reported
    private int closeFramesWritten;
    private int closeCodeWritten = -1;
    private boolean writingAfterClose;
    private int lastPingCount;
    private final List<byte[]> pings = new ArrayList<>();
    private final List<byte[]> pongsWritten = new ArrayList<>();
    private boolean echoFragmentOpen;

    SessionHarness(ProtocolVersion version, WebSocketConfig cfg, boolean echo) {
        this.version = version;
        this.cfg = cfg;
        this.echo = echo;
        this.session = new WebSocketSession<>(version, cfg, this, this);
    }

    List<String> transcript() {
        List<String> t = new ArrayList<>(transcript);
        t.add("state=" + session.closeState());
        if (!(echo && cfg.streaming())) { // a streaming echo follows the read boundaries
            t.add("out=" + HexFormat.of().formatHex(out.toByteArray()));
        }
        return t;
    }

    /** Feeds {@code data} split into chunks chosen by {@code rnd} (null: one read), in buffers of varying kinds. */
    void feed(byte[] data, Random rnd) {
        int p = 0;
        while (p < data.length || p == 0) {
            int n = rnd == null ? data.length : Math.min(data.length - p, chunk(rnd));
            ByteBuffer b = buffer(data, p, n, rnd);
            int limit = b.limit();
            CloseState before = session.closeState();
            session.receive(b);
            assertThat(b.position()).as("receive consumes everything").isEqualTo(limit);
            checkAfterRead(before);
            p += n;
            if (data.length == 0) {
                break;
            }
        }
    }

    private static int chunk(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 1 + rnd.nextInt(4);
            case 2 -> 1 + rnd.nextInt(32);
            default -> 1 + rnd.nextInt(300);
        };
    }

    private static ByteBuffer buffer(byte[] data, int from, int n, Random rnd) {
        int kind = rnd == null ? 0 : rnd.nextInt(3);
        int off = rnd == null ? 0 : rnd.nextInt(9);
        ByteBuffer b = kind == 2 ? ByteBuffer.allocateDirect(off + n + 5) : ByteBuffer.allocate(off + n + 5);
        if (kind == 1) {
            b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        b.position(off);
        b.put(data, from, n);
        b.flip();
        b.position(off);
        return b;
    }

    private void checkAfterRead(CloseState before) {
        CloseState s = session.closeState();
        if (before == CloseState.CLOSED) {
            assertThat(s).isEqualTo(CloseState.CLOSED);
        }
        if (closeFramesWritten > 0 && cfg.autoCloseReply() && ended) {
            assertThat(s).as("close exchanged").isIn(CloseState.CLOSED, CloseState.CLOSE_SENT);
        }
    }

    /** Server-initiated close, as an app or the idle timer would do. */
    void appClose() {
        boolean expected = closeFramesWritten == 0;
        assertThat(session.close(CloseCodes.GOING_AWAY, "bye") != null).as("close() sends iff no close was sent")
            .isEqualTo(expected);
        assertThat(closeFramesWritten).isEqualTo(1);
    }

    /** Checks done once all input was fed. */
    void finish() {
        assertThat(closeFramesWritten).as("close frames written").isLessThanOrEqualTo(1);
        if (session.closeState() == CloseState.CLOSED || session.closeState() == CloseState.CLOSE_SENT) {
            assertThat(closeFramesWritten).as("a close was written before CLOSED/CLOSE_SENT").isEqualTo(1);
        }
        if (cfg.autoPong() && version.isHybi()) {
            // every ping received while OPEN (before any close was written) was answered with the same payload
            assertThat(pongsWritten.size()).isLessThanOrEqualTo(pings.size());
            for (int i = 0; i < pongsWritten.size(); i++) {
                assertThat(pongsWritten.get(i)).isEqualTo(pings.get(i));
            }
        }
        // further input after the end changes nothing
        if (session.closeState() == CloseState.CLOSED && ended) {
            int outLen = out.size();
            int events = transcript.size();
            byte[] more = {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o', 0x00, 'x', (byte) 0xFF};
            session.receive(ByteBuffer.wrap(more));
            assertThat(out.size()).as("no output after the end").isEqualTo(outLen);
            assertThat(transcript.size()).as("no events after the end").isEqualTo(events);
            assertThat(session.closeState()).isEqualTo(CloseState.CLOSED);
        }
    }

    // ---- listener ----

    private void dataEvent() {
        assertThat(ended).as("data event after close/error").isFalse();
    }

    private void complete(boolean text, byte[] m) {
        assertThat(m.length).as("message size <= maxMessageSize").isLessThanOrEqualTo(cfg.maxMessageSize());
        if (text) {
            assertThat(Utf8Oracle.jdkValid(m)).as("text message is valid UTF-8").isTrue();
        }
        transcript.add((text ? "T:" : "B:") + HexFormat.of().formatHex(m));
    }

    @Override
    public void onText(ByteBuffer utf8) {
        dataEvent();
        assertThat(cfg.streaming()).isFalse();
        complete(true, bytes(utf8));
        if (echo) {
            session.sendText(utf8);
        }
    }

    @Override
    public void onBinary(ByteBuffer data) {
        dataEvent();
        assertThat(cfg.streaming()).isFalse();
        assertThat(version.isHybi()).as("Hixie-76 has no binary").isTrue();
        complete(false, bytes(data));
        if (echo) {
            session.sendBinary(data);
        }
    }

    @Override
    public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        dataEvent();
        assertThat(cfg.streaming()).isTrue();
        assertThat(first).as("first iff no message in progress").isEqualTo(!inFragmented);
        if (!first) {
            assertThat(text).isEqualTo(fragText);
        }
        byte[] chunk = bytes(data);
        if (text) {
            assertThat(Utf8Validator.isValid(chunk, 0, chunk.length)).as("text chunk holds whole code points: %s",
                    HexFormat.of().formatHex(chunk)).isTrue();
        }
        if (first) {
            msg.reset();
            fragText = text;
        }
        msg.writeBytes(chunk);
        assertThat(msg.size()).as("streamed message size <= maxMessageSize").isLessThanOrEqualTo(cfg.maxMessageSize());
        inFragmented = !last;
        if (echo && (version.isHybi() || text)) {
            if (first == !echoFragmentOpen) {
                session.sendFragment(data, text, first, last);
                echoFragmentOpen = !last;
            }
        }
        if (last) {
            complete(text, msg.toByteArray());
        }
    }

    @Override
    public void onPing(ByteBuffer payload) {
        dataEvent();
        byte[] p = bytes(payload);
        assertThat(p.length).isLessThanOrEqualTo(125);
        if (session.closeState() == CloseState.OPEN && closeFramesWritten == 0) {
            pings.add(p);
        }
        lastPingCount++;
        transcript.add("PING:" + HexFormat.of().formatHex(p));
    }

    @Override
    public void onPong(ByteBuffer payload) {
        dataEvent();
        byte[] p = bytes(payload);
        assertThat(p.length).isLessThanOrEqualTo(125);
        transcript.add("PONG:" + HexFormat.of().formatHex(p));
    }

    @Override
    public void onClose(int code, String reason) {
        if (code == CloseCodes.ABNORMAL_CLOSURE) {
            transcript.add("ABNORMAL");
            return;
        }
        assertThat(ended).as("one close/error event").isFalse();
        ended = true;
        assertThat(code == CloseCodes.NO_STATUS_RECEIVED || CloseCodes.isValidReceived(code)).as("code %d", code).isTrue();
        if (!version.isHybi()) {
            assertThat(code).isEqualTo(CloseCodes.NO_STATUS_RECEIVED);
        }
        assertThat(reason.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        transcript.add("CLOSE:" + code + ":" + reason);
        if (echo && !cfg.autoCloseReply()) {
            session.close();
        }
    }

    @Override
    public void onProtocolError(int closeCode, String reason) {
        assertThat(ended).as("one close/error event").isFalse();
        ended = true;
        assertThat(closeCode).isIn(CloseCodes.PROTOCOL_ERROR, CloseCodes.INVALID_PAYLOAD_DATA, CloseCodes.MESSAGE_TOO_BIG);
        assertThat(session.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(closeFramesWritten).as("a close was written exactly once").isEqualTo(1);
        if (version.isHybi() && closeCodeWritten != CloseCodes.GOING_AWAY) {
            assertThat(closeCodeWritten).as("close code written").isEqualTo(closeCode);
        }
        transcript.add("ERR:" + closeCode);
    }

    // ---- sink ----

    @Override
    public Boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
        assertThat(writingAfterClose).as("nothing written after a close frame").isFalse();
        byte[] f = concat(bytes(prefix), bytes(payload), bytes(suffix));
        out.writeBytes(f);
        if (version.isHybi()) {
            checkHybiFrame(f);
        } else {
            checkHixieOutput(f);
        }
        return true;
    }

    private void checkHybiFrame(byte[] f) {
        assertThat(f.length).isGreaterThanOrEqualTo(2);
        int b0 = f[0] & 0xFF;
        int b1 = f[1] & 0xFF;
        assertThat(b0 & 0x70).as("no RSV bits").isZero();
        int op = b0 & 0x0F;
        assertThat(Opcode.isKnown(op)).isTrue();
        assertThat(b1 & 0x80).as("server frames are not masked").isZero();
        int len7 = b1 & 0x7F;
        int p = 2;
        long len = len7;
        if (len7 == 126) {
            len = ((f[2] & 0xFF) << 8) | (f[3] & 0xFF);
            p = 4;
            assertThat(len).as("minimal 16-bit length").isGreaterThanOrEqualTo(126);
        } else if (len7 == 127) {
            len = ByteBuffer.wrap(f, 2, 8).getLong();
            p = 10;
            assertThat(len).as("minimal 64-bit length").isGreaterThan(0xFFFF);
        }
        assertThat(f.length - p).as("one writeFrame = one frame").isEqualTo(len);
        if (Opcode.isControl(op)) {
            assertThat((b0 & 0x80) != 0 && len <= 125).as("control frame final and <= 125").isTrue();
        }
        if (op == Opcode.CLOSE) {
            closeFramesWritten++;
            writingAfterClose = true;
            assertThat(len).isNotEqualTo(1);
            if (len >= 2) {
                closeCodeWritten = ((f[p] & 0xFF) << 8) | (f[p + 1] & 0xFF);
                assertThat(CloseCodes.isValidToSend(closeCodeWritten)).as("close code %d", closeCodeWritten).isTrue();
                assertThat(Utf8Validator.isValid(f, p + 2, f.length)).as("close reason UTF-8").isTrue();
            } else {
                closeCodeWritten = CloseCodes.NO_STATUS_RECEIVED;
            }
        } else if (op == Opcode.PONG) {
            pongsWritten.add(java.util.Arrays.copyOfRange(f, p, f.length));
        }
    }

    private boolean hixieInText;

    private void checkHixieOutput(byte[] f) {
        // a text frame 00 <utf-8> FF (possibly written in pieces by streaming sends), or the close FF 00
        if (hixieInText && f.length == 3 && (f[0] & 0xFF) == 0xFF && (f[1] & 0xFF) == 0xFF && f[2] == 0) {
            hixieInText = false; // the streamed text frame is ended, then the close follows in the same write
            f = new byte[] {(byte) 0xFF, 0};
        }
        if (!hixieInText && f.length == 2 && (f[0] & 0xFF) == 0xFF && f[1] == 0) {
            closeFramesWritten++;
            writingAfterClose = true;
            closeCodeWritten = CloseCodes.NO_STATUS_RECEIVED;
            return;
        }
        int i = 0;
        if (!hixieInText) {
            assertThat(f.length).isGreaterThan(0);
            assertThat(f[0]).as("Hixie text frame start").isEqualTo((byte) 0);
            hixieInText = true;
            i = 1;
        }
        int end = f.length;
        if (end > i && f[end - 1] == (byte) 0xFF) {
            hixieInText = false;
            end--;
        }
        for (int k = i; k < end; k++) {
            assertThat(f[k]).as("no 0xFF inside a Hixie text frame").isNotEqualTo((byte) 0xFF);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
