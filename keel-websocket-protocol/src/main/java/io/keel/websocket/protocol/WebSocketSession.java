package io.keel.websocket.protocol;

import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Sans-I/O per-connection WebSocket state machine for all versions (HyBi framing for 07/08/13, Hixie-76 framing).
 * Not thread-safe: drive it, and every session sharing its {@link FrameScratch}, from one thread (the event loop).
 *
 * <p><b>How the glue drives it</b> (the package documentation has it in code): after {@link Handshaker} returns
 * {@link HandshakeResult.Accepted}, write its response and make a session for the accepted version, with a
 * {@link WebSocketListener} (the app), an {@link OutputSink} (the socket) and the thread's {@link FrameScratch}
 * (and {@link #enableCompression} when permessage-deflate was agreed). Feed every read to {@link #receive}: it
 * consumes all bytes, unmasking payloads in place (the buffer must be writable), calls the listener and writes
 * automatic replies (pong, close echo, close on protocol error). Then check {@link #closeState()}:
 * {@link CloseState#CLOSED} → flush and close TCP; {@link CloseState#CLOSE_SENT} → arm a close timeout. If TCP
 * ends first, call {@link #onTransportClosed()} (1006 to the listener if no close was seen). Each send makes one
 * {@code OutputSink.writeFrame} call with a scratch header and the caller's payload (no copy, no allocation) and
 * returns the sink's status ({@code R}), or null when nothing was written (after a close of ours: always).
 *
 * <p><b>Pausing.</b> The session asks its listener {@link WebSocketListener#isReadingPaused()} after each event it
 * delivers; once paused, {@link #receive} returns at once, leaving the rest of the input unconsumed (the glue keeps
 * it and feeds it again after resuming), so no message is delivered after a pause, not even one already read.
 *
 * <p><b>Hixie-76</b> has no binary, ping or pong frames: {@link #sendBinary} sends valid UTF-8 as a text frame and
 * throws {@link IllegalArgumentException} otherwise; {@link #ping}/{@link #pong} return null; {@link #close} sends
 * {@code 0xFF 0x00} (no code or reason on the wire).
 *
 * @param <R> the sink's send status, handed back by the sends
 */
public final class WebSocketSession<R> implements FrameHandler {
    private final ProtocolVersion version;
    private final WebSocketConfig cfg;
    private final WebSocketListener listener;
    private final OutputSink<R> sink;
    private final HybiFrameDecoder hybi;
    private final Hixie76FrameDecoder hixie;
    private final FrameScratch scratch; // shared with the other sessions of the driving thread

    private CloseState state = CloseState.OPEN;
    private boolean sendingFragmented;
    private int receivedCloseCode = -1;
    private boolean closeReported;
    private boolean closeRefused;
    private int deflateThreshold; // permessage-deflate: smaller messages go out uncompressed

    /**
     * A session with a scratch of its own, for a session used alone (tests, tools); sessions driven by one thread
     * should share one {@link FrameScratch} through the other constructor.
     */
    public WebSocketSession(ProtocolVersion version, WebSocketConfig cfg, WebSocketListener listener, OutputSink<R> sink) {
        this(version, cfg, listener, sink, new FrameScratch());
    }

    /**
     * A session for a connection whose handshake accepted {@code version}.
     *
     * @param version the accepted version: HyBi framing or Hixie-76 framing
     * @param cfg message size limit, streaming or accumulating, automatic replies
     * @param listener the application's callbacks
     * @param sink where frames go (the transport); its status comes back from the sends
     * @param scratch the encoding buffers, shared by every session this thread drives (see {@link FrameScratch})
     */
    public WebSocketSession(ProtocolVersion version, WebSocketConfig cfg, WebSocketListener listener, OutputSink<R> sink,
            FrameScratch scratch) {
        this.scratch = scratch;
        this.version = version;
        this.cfg = cfg;
        this.listener = listener;
        this.sink = sink;
        if (version.isHybi()) {
            hybi = new HybiFrameDecoder(this, cfg);
            hixie = null;
        } else {
            hixie = new Hixie76FrameDecoder(this, cfg);
            hybi = null;
        }
    }

    /**
     * Turns on permessage-deflate (RFC 7692) after a handshake that negotiated it: compressed messages are accepted
     * (RSV1) and whole messages of at least {@code threshold} bytes are sent compressed ({@link #sendText},
     * {@link #sendBinary}; fragments and {@link #sendFramed} go uncompressed).
     *
     * @param codec the loop's shared codec or the connection's own
     * @param threshold in bytes
     * @param stats counts compressed traffic
     * @throws IllegalStateException for a Hixie-76 session (it has no extensions)
     */
    public void enableCompression(PerMessageDeflate codec, int threshold, DeflateStats stats) {
        if (hybi == null) {
            throw new IllegalStateException("Hixie-76 has no extensions");
        }
        hybi.enableCompression(codec, stats);
        deflateThreshold = threshold;
    }

    /** The codec of a session with permessage-deflate, else null. */
    public PerMessageDeflate compression() {
        return hybi == null ? null : hybi.codec();
    }

    /** The version the handshake accepted. */
    public ProtocolVersion version() {
        return version;
    }

    /** The configuration given at construction. */
    public WebSocketConfig config() {
        return cfg;
    }

    /** Where the close handshake stands (RFC 6455 section 7). */
    public CloseState closeState() {
        return state;
    }

    /** True when the glue should flush pending output and close the TCP connection. */
    public boolean isClosed() {
        return state == CloseState.CLOSED;
    }

    /** The code of the peer's close frame (1005 if none in it), or -1 if none was received. */
    public int receivedCloseCode() {
        return receivedCloseCode;
    }

    /**
     * Feeds bytes read from the socket. Consumes all of {@code in}, unless the listener pauses reading: then the
     * rest (from the first frame not yet delivered) is left in {@code in}. Input after a close or an error is
     * ignored.
     */
    public void receive(ByteBuffer in) {
        if (hybi != null) {
            hybi.decode(in);
        } else {
            hixie.decode(in);
        }
    }

    /**
     * True when the undelivered input {@code in} (what {@link #receive} left while paused) already holds the
     * peer's close frame: the peer has started the close handshake, so the glue can time it out while the
     * messages in front of the close wait. Does not consume or change {@code in}.
     */
    public boolean closeFrameAhead(ByteBuffer in) {
        return hybi != null ? hybi.closeFrameAhead(in) : hixie.closeFrameAhead(in);
    }

    /** The transport closed. If the peer's close was not seen, the listener gets {@code onClose(1006, "")}. */
    public void onTransportClosed() {
        boolean seen = receivedCloseCode >= 0 || closeReported;
        state = CloseState.CLOSED;
        if (!seen) {
            closeReported = true;
            listener.onClose(CloseCodes.ABNORMAL_CLOSURE, "");
        }
    }

    // ---- sending ----

    /**
     * Sends a text message; {@code utf8} must be valid UTF-8 (not re-validated). Position is not moved.
     *
     * @return the sink's status for the frame, or null when nothing was written (refused by the sink, or a
     *     close was already sent); the same for every send below
     */
    public R sendText(ByteBuffer utf8) {
        return sendData(Opcode.TEXT, utf8, true, true);
    }

    /** Convenience: encodes and sends a String (allocates). */
    public R sendText(CharSequence text) {
        return sendText(StandardCharsets.UTF_8.encode(text.toString()));
    }

    /** Sends a binary message (Hixie-76: see class doc). Position is not moved. */
    public R sendBinary(ByteBuffer data) {
        if (hixie != null && !Utf8Validator.isValid(data)) {
            throw new IllegalArgumentException("Hixie-76 has no binary frames and the data is not valid UTF-8");
        }
        return sendData(Opcode.BINARY, data, true, true);
    }

    /**
     * Sends part of a message: {@code first} starts it (text or binary), {@code last} ends it. For Hixie-76 only text
     * is possible and the pieces form one frame.
     */
    public R sendFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        if (hixie != null && !text) {
            throw new IllegalArgumentException("Hixie-76 has no binary frames");
        }
        return sendData(text ? Opcode.TEXT : Opcode.BINARY, data, first, last);
    }

    private R sendData(int opcode, ByteBuffer payload, boolean first, boolean last) {
        if (state == CloseState.CLOSE_SENT || state == CloseState.CLOSED) {
            return null;
        }
        if (first == sendingFragmented) {
            throw new IllegalStateException(first ? "previous fragmented message not finished" : "no fragmented message started");
        }
        R status;
        PerMessageDeflate deflate = hybi == null ? null : hybi.codec();
        if (deflate != null && first && last && payload.remaining() >= deflateThreshold) {
            int raw = payload.remaining();
            ByteBuffer c = deflate.compress(payload);
            hybi.deflateStats().countOut(raw, c.remaining());
            status = sink.writeFrame(scratch.hybiHeader(true, opcode | FrameScratch.RSV1, c.remaining()), c,
                scratch.empty(), opcode);
        } else if (hybi != null) {
            int op = first ? opcode : Opcode.CONTINUATION;
            status = sink.writeFrame(scratch.hybiHeader(last, op, payload.remaining()), payload, scratch.empty(), op);
        } else {
            status = sink.writeFrame(scratch.hixiePrefix(first, false, false), payload, scratch.hixieSuffix(last),
                Opcode.TEXT);
        }
        if (status != null) {
            sendingFragmented = !last; // a refused frame leaves this as it was: the caller may send it again
        }
        return status;
    }

    /** Sends a ping (≤125 bytes). Returns null for Hixie-76 or once closing. */
    public R ping(ByteBuffer payload) {
        return sendControl(Opcode.PING, payload);
    }

    /** Sends an unsolicited pong (≤125 bytes). Returns null for Hixie-76 or once closing. */
    public R pong(ByteBuffer payload) {
        return sendControl(Opcode.PONG, payload);
    }

    private R sendControl(int opcode, ByteBuffer payload) {
        if (hixie != null || state == CloseState.CLOSE_SENT || state == CloseState.CLOSED) {
            return null;
        }
        if (payload.remaining() > 125) {
            throw new IllegalArgumentException("control payload > 125 bytes");
        }
        return sink.writeFrame(scratch.hybiHeader(true, opcode, payload.remaining()), payload, scratch.empty(), opcode);
    }

    /**
     * True while a send may reach the sink: no close of ours sent yet ({@link CloseState#OPEN} or
     * {@link CloseState#CLOSE_RECEIVED}). A send that returns null then was refused by the sink (except Hixie-76
     * pings and pongs, never written).
     */
    public boolean canSend() {
        return state == CloseState.OPEN || state == CloseState.CLOSE_RECEIVED;
    }

    /** True when a message may start now: open, and no message of ours is half sent in fragments. */
    public boolean canStartMessage() {
        return !sendingFragmented && canSend();
    }

    /**
     * Writes a message framed beforehand for this session's wire format (publish: framed once for many
     * sessions). Refused, like any send, once a close was sent or while a fragmented message is being sent.
     *
     * @param frame one complete data frame: a HyBi frame (server side, unmasked) or a Hixie-76 text frame
     * @param text whether it is a text frame (else binary)
     * @return the sink's status, or null when nothing was written
     */
    public R sendFramed(ByteBuffer frame, boolean text) {
        if (!canStartMessage()) {
            return null;
        }
        ByteBuffer empty = scratch.empty();
        return sink.writeFrame(empty, frame, empty, text ? Opcode.TEXT : Opcode.BINARY);
    }

    /** Starts (or, after the peer's close, completes) the close handshake with 1000. */
    public R close() {
        return close(CloseCodes.NORMAL_CLOSURE, null);
    }

    /**
     * Sends a close frame with {@code code} (1000-1003, 1007-1014, 3000-4999) and an optional reason (≤123 UTF-8
     * bytes). OPEN → CLOSE_SENT; CLOSE_RECEIVED → CLOSED. Returns the sink's status, or null if a close was already
     * sent, or if the sink refused the frame (the connection is closing or its peer does not read: the glue then aborts; the
     * state still moves, since nothing more may be sent either way).
     *
     * @throws IllegalArgumentException for a code not allowed on the wire or a longer reason
     */
    public R close(int code, String reason) {
        byte[] r = CloseCodes.checkToSend(code, reason);
        if (state == CloseState.CLOSE_SENT || state == CloseState.CLOSED) {
            return null;
        }
        R status = writeClose(scratch.closePayload(code, r));
        state = state == CloseState.CLOSE_RECEIVED ? CloseState.CLOSED : CloseState.CLOSE_SENT;
        return status;
    }

    /** False after a close of ours was refused by the sink: the peer never gets it, so the glue must abort. */
    public boolean closeDelivered() {
        return !closeRefused;
    }

    private R writeClose(ByteBuffer payload) {
        R status;
        if (hybi != null) {
            ByteBuffer header = scratch.hybiHeader(true, Opcode.CLOSE, payload.remaining());
            status = sink.writeFrame(header, payload, scratch.empty(), Opcode.CLOSE);
        } else {
            // a text frame being streamed is ended first, or the peer would read our FF as its end
            ByteBuffer frame = scratch.hixiePrefix(false, sendingFragmented, true);
            sendingFragmented = false;
            ByteBuffer empty = scratch.empty();
            status = sink.writeFrame(frame, empty, empty, Opcode.CLOSE);
        }
        closeRefused |= status == null;
        return status;
    }

    // ---- FrameHandler (decoder events) ----

    @Override
    public void onMessage(boolean text, ByteBuffer payload) {
        if (text) {
            listener.onText(payload);
        } else {
            listener.onBinary(payload);
        }
    }

    @Override
    public void onFragment(ByteBuffer chunk, boolean text, boolean first, boolean last) {
        listener.onFragment(chunk, text, first, last);
    }

    @Override
    public void onPing(ByteBuffer payload) {
        int p = payload.position();
        listener.onPing(payload);
        if (cfg.autoPong() && state == CloseState.OPEN) {
            payload.position(p);
            sendControl(Opcode.PONG, payload);
        }
    }

    @Override
    public void onPong(ByteBuffer payload) {
        listener.onPong(payload);
    }

    @Override
    public boolean isPaused() {
        return listener.isReadingPaused();
    }

    @Override
    public void onCloseFrame(int code, ByteBuffer reason) {
        receivedCloseCode = code;
        String r = reason.hasRemaining() ? StandardCharsets.UTF_8.decode(reason.duplicate()).toString() : "";
        if (state == CloseState.OPEN) {
            state = CloseState.CLOSE_RECEIVED;
        } else if (state == CloseState.CLOSE_SENT) {
            state = CloseState.CLOSED;
        }
        closeReported = true;
        listener.onClose(code, r);
        if (state == CloseState.CLOSE_RECEIVED && cfg.autoCloseReply()) {
            writeClose(code == CloseCodes.NO_STATUS_RECEIVED ? scratch.empty() : scratch.closeCode(code));
            state = CloseState.CLOSED;
        }
    }

    @Override
    public void onDecodeError(int closeCode, String reason) {
        if (state == CloseState.OPEN || state == CloseState.CLOSE_RECEIVED) {
            writeClose(hybi != null ? scratch.closeCode(closeCode) : scratch.empty());
        }
        state = CloseState.CLOSED;
        closeReported = true;
        listener.onProtocolError(closeCode, reason);
    }
}
