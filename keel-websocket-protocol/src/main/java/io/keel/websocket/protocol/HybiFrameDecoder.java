package io.keel.websocket.protocol;

import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.nio.ByteBuffer;

/**
 * Incremental RFC 6455 section 5 decoder for frames sent by a client (HyBi-07/08/13 share this framing).
 *
 * <p>{@link #decode(ByteBuffer)} consumes all of {@code in} and reports events to a {@link FrameHandler}.
 * Payloads are unmasked <em>in place</em> in {@code in} (8 bytes per XOR), so {@code in} must be writable.
 * In accumulate mode a single-frame message entirely inside {@code in} is delivered as a view of {@code in} (no
 * copy), any other is copied ({@link MessageAssembler}). In streaming mode nothing is buffered but an incomplete
 * trailing UTF-8 code point of a text chunk (≤3 bytes: text fragments hold whole code points). Control frame
 * payloads (≤125 bytes) are copied to a per-decoder array. No allocation on the steady-state path.
 *
 * <p>Rules enforced, close code in parentheses, and the nested class of {@code HybiFramingTest} testing them:
 * <ul>
 *   <li>§5.2 ({@code BaseFraming}): RSV bits without extensions, reserved opcodes, a 64-bit length with the most
 *       significant bit set, optionally non-minimal lengths (1002);</li>
 *   <li>§5.3 ({@code ClientMasking}, {@code Examples}): unmasked frames (1002);</li>
 *   <li>§5.4 ({@code Fragmentation}): a continuation without a started message, a new data frame inside a
 *       fragmented message (1002); control frames may come between its frames;</li>
 *   <li>§5.5 ({@code ControlFrames}, {@code Closing}): fragmented or &gt;125-byte control frames, a 1-byte close
 *       payload (1002); §7.4 ({@code StatusCodes}): an invalid close code (1002);</li>
 *   <li>§8.1 ({@code Utf8}): invalid UTF-8 in text, reported by the {@code decode} call that delivers the
 *       offending byte, before the frame ends, or in a close reason (1007);</li>
 *   <li>§10.4 ({@code Limits}): a message larger than the maximum, checked when the frame header arrives (1009).</li>
 *   <li>RFC 7692 §6 ({@code PerMessageDeflateFramingTest}), once {@link #enableCompression} was called: RSV1 on the
 *       first frame of a text or binary message marks it compressed; RSV1 on a continuation or control frame
 *       (1002). A compressed message is gathered whole (its wire size within the limit) and inflated by an
 *       {@link InflatingReader}, which checks the inflated size (1009) and UTF-8 (1007) as it goes.</li>
 * </ul>
 */
public final class HybiFrameDecoder {
    private static final byte HEADER = 0;
    private static final byte PAYLOAD = 1;
    private static final byte DONE = 2; // close received or failed: ignore input

    private final FrameHandler handler;
    private final int maxMessageSize;
    private final boolean streaming;
    private final boolean strictLength;

    // small values in bytes: a decoder lives as long as its connection, so its size is memory per connection
    private byte state = HEADER;
    // the header is accumulated into fields, not a byte array, so an idle connection carries no header buffer
    private byte hdrLen;
    private byte hdrNeed;
    private int firstTwo; // the header's first two bytes, big-endian

    // current frame
    private boolean fin;
    private boolean frameCompressed; // RSV1
    private byte opcode;
    private int maskKey;
    private long payloadLen;
    private long payloadRead;

    // current (possibly fragmented) data message
    private boolean inMessage;
    private boolean msgText;
    private long msgLen;
    private boolean msgDelivered; // streaming: a first chunk went out
    private boolean msgCompressed; // RFC 7692: RSV1 on its first frame
    private final Utf8Validator utf8 = new Utf8Validator();
    // streaming only; null otherwise so an idle accumulating connection does not carry it
    private final TextChunker chunker;
    // created when a message first needs copying (split over reads or frames): see MessageAssembler
    private MessageAssembler acc;
    // permessage-deflate (RFC 7692): null unless negotiated; the reader is made at the first compressed message
    private PerMessageDeflate codec;
    private DeflateStats deflateStats;
    private InflatingReader inflating;

    // control frames: taken at the first one (a ping may arrive split over reads), kept for the next ones
    private ControlFramePayload ctrl;

    /** A decoder reporting to {@code handler}, with the size limit and mode of {@code cfg}. */
    public HybiFrameDecoder(FrameHandler handler, WebSocketConfig cfg) {
        this.handler = handler;
        this.maxMessageSize = cfg.maxMessageSize();
        this.streaming = cfg.streaming();
        this.chunker = streaming ? new TextChunker() : null;
        this.strictLength = cfg.strictLengthEncoding();
    }

    /**
     * Accepts compressed messages from now on (permessage-deflate was negotiated, RFC 7692): RSV1 on a message's
     * first frame no longer fails.
     *
     * @param codec the connection's codec (the loop's shared one, or its own)
     * @param stats where compressed traffic is counted
     */
    public void enableCompression(PerMessageDeflate codec, DeflateStats stats) {
        this.codec = codec;
        this.deflateStats = stats;
    }

    /** The codec given to {@link #enableCompression}, or null when the connection has no compression. */
    public PerMessageDeflate codec() {
        return codec;
    }

    /** The counters given to {@link #enableCompression}, or null. */
    DeflateStats deflateStats() {
        return deflateStats;
    }

    /** True once a close frame was received or the peer violated the protocol. */
    public boolean isDone() {
        return state == DONE;
    }

    /**
     * Decodes the bytes of {@code in}: all of them (position ends at limit), unless the handler pauses
     * ({@link FrameHandler#isPaused()}), which leaves the rest from the next frame (or the rest of a streamed
     * frame) unconsumed and untouched.
     */
    public void decode(ByteBuffer in) {
        if (handler.isPaused()) {
            return;
        }
        while (true) {
            if (state == HEADER) {
                if (!readHeader(in) && state != DONE) {
                    break;
                }
            } else if (state == PAYLOAD) {
                if (!in.hasRemaining() && payloadRead < payloadLen) {
                    break;
                }
                payload(in);
                // once per frame (and per streamed chunk): the handler may have paused in what was just delivered
                if ((state == HEADER || streaming) && handler.isPaused()) {
                    break;
                }
            } else {
                in.position(in.limit());
                break;
            }
        }
    }

    /**
     * True when the bytes of {@code in} not yet decoded (this decoder's state continues at its position) hold a
     * complete close frame header. Walks frame headers without consuming or unmasking anything.
     */
    public boolean closeFrameAhead(ByteBuffer in) {
        int p = in.position();
        int end = in.limit();
        if (state == PAYLOAD) {
            long rest = payloadLen - payloadRead;
            if (rest > end - p) {
                return false;
            }
            p += (int) rest;
        } else if (state != HEADER || hdrLen != 0) {
            return false;
        }
        return HybiLookahead.closeFrameAt(in, p, end);
    }

    /** Takes header bytes one at a time, so a header split anywhere across reads needs no buffer. */
    private boolean readHeader(ByteBuffer in) {
        while (hdrLen < 2) {
            if (!in.hasRemaining()) {
                return false;
            }
            firstTwo = (firstTwo << 8) | (in.get() & 0xFF);
            if (++hdrLen == 2 && !checkFirstTwo()) {
                return false;
            }
        }
        int maskStart = hdrNeed - 4;
        while (hdrLen < hdrNeed) {
            if (!in.hasRemaining()) {
                return false;
            }
            int b = in.get() & 0xFF;
            if (hdrLen < maskStart) {
                payloadLen = (payloadLen << 8) | b; // the 16- or 64-bit extended length, as it arrives
            } else {
                maskKey = (maskKey << 8) | b; // four shifts replace the previous frame's key entirely
            }
            hdrLen++;
        }
        return finishHeader();
    }

    private boolean checkFirstTwo() {
        int b0 = (firstTwo >>> 8) & 0xFF;
        int b1 = firstTwo & 0xFF;
        fin = (b0 & 0x80) != 0;
        opcode = (byte) (b0 & 0x0F);
        boolean masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        int rsv = b0 & 0x70;
        if (rsv != 0 && (rsv != 0x40 || codec == null || (opcode != Opcode.TEXT && opcode != Opcode.BINARY))) {
            return fail(CloseCodes.PROTOCOL_ERROR, rsv == 0x40 && codec != null
                ? "RSV1 set on a control or continuation frame" : "RSV bits set but no extension negotiated");
        }
        frameCompressed = rsv != 0;
        if (!Opcode.isKnown(opcode)) {
            return fail(CloseCodes.PROTOCOL_ERROR, "Reserved opcode " + opcode);
        }
        if (Opcode.isControl(opcode)) {
            if (!fin) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Fragmented control frame");
            }
            if (len7 > 125) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Control frame payload > 125 bytes");
            }
            if (opcode == Opcode.CLOSE && len7 == 1) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Close frame with 1-byte payload");
            }
        } else if (opcode == Opcode.CONTINUATION) {
            if (!inMessage) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Continuation frame without a started message");
            }
        } else if (inMessage) {
            return fail(CloseCodes.PROTOCOL_ERROR, "New data frame inside a fragmented message");
        }
        if (!masked) {
            return fail(CloseCodes.PROTOCOL_ERROR, "Client frame not masked");
        }
        hdrNeed = (byte) (2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
        payloadLen = 0; // the extended length, if any, is shifted into it byte by byte
        return true;
    }

    private boolean finishHeader() {
        int len7 = firstTwo & 0x7F;
        long len;
        if (len7 == 126) {
            len = payloadLen;
            if (strictLength && len < 126) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Non-minimal 16-bit length");
            }
        } else if (len7 == 127) {
            len = payloadLen;
            if (len < 0) {
                return fail(CloseCodes.PROTOCOL_ERROR, "64-bit length with the most significant bit set");
            }
            if (strictLength && len <= 0xFFFF) {
                return fail(CloseCodes.PROTOCOL_ERROR, "Non-minimal 64-bit length");
            }
        } else {
            len = len7;
        }
        hdrLen = 0;
        firstTwo = 0;
        payloadLen = len;
        payloadRead = 0;
        if (Opcode.isControl(opcode)) {
            if (ctrl == null) {
                ctrl = new ControlFramePayload();
            }
            ctrl.begin();
        } else {
            if (opcode != Opcode.CONTINUATION) {
                inMessage = true;
                msgText = opcode == Opcode.TEXT;
                msgLen = 0;
                msgDelivered = false;
                msgCompressed = frameCompressed;
                utf8.reset();
                if (chunker != null) {
                    chunker.reset();
                }
                if (acc != null) {
                    acc.begin();
                }
            }
            // compared before adding: a 64-bit length near 2^63 must not wrap the sum past the check. A compressed
            // message is held to the limit once inflated (InflatingReader); on the wire it may be a little longer
            if (len > (msgCompressed ? InflatingReader.wireBound(maxMessageSize) : maxMessageSize) - msgLen) {
                return fail(CloseCodes.MESSAGE_TOO_BIG, msgCompressed
                        ? "Compressed message exceeds " + InflatingReader.wireBound(maxMessageSize) + " bytes"
                        : "Message exceeds " + maxMessageSize + " bytes");
            }
            msgLen += len;
        }
        state = PAYLOAD;
        return true;
    }

    private void payload(ByteBuffer in) {
        int pos = in.position();
        long left = payloadLen - payloadRead;
        int n = (int) Math.min(left, in.remaining());
        boolean frameEnd = n == left;
        if (n > 0) {
            Masking.unmask(in, pos, pos + n, maskKey, payloadRead);
        }
        if (Opcode.isControl(opcode)) {
            ctrl.append(in, pos, n);
            payloadRead += n;
            if (frameEnd) {
                state = HEADER;
                ctrl.deliver(opcode, handler, this);
            }
            return;
        }
        boolean msgEnd = frameEnd && fin;
        if (msgText && !msgCompressed && n > 0 && !utf8.validate(in, pos, pos + n)) {
            fail(CloseCodes.INVALID_PAYLOAD_DATA, "Invalid UTF-8 in text message");
            return;
        }
        if (msgText && !msgCompressed && msgEnd && !utf8.isComplete()) {
            fail(CloseCodes.INVALID_PAYLOAD_DATA, "Text message ends inside a UTF-8 sequence");
            return;
        }
        boolean wholeFrameHere = payloadRead == 0 && frameEnd;
        payloadRead += n;
        if (frameEnd) {
            state = HEADER;
            if (fin) {
                inMessage = false;
            }
        }
        if (msgCompressed) {
            if (inflating == null) {
                inflating = new InflatingReader(this, handler, codec, deflateStats, maxMessageSize, utf8, chunker);
            }
            inflating.payload(in, pos, n, msgText, msgEnd, wholeFrameHere);
        } else if (streaming && msgText) {
            if (n > 0 || msgEnd) {
                chunker.deliver(handler, in, pos, pos + n, pos + n, msgEnd);
            } else {
                in.position(pos + n);
            }
        } else if (streaming) {
            if (n > 0 || msgEnd) {
                boolean first = !msgDelivered;
                msgDelivered = !msgEnd;
                deliverFragment(in, pos, n, first, msgEnd);
            } else {
                in.position(pos + n);
            }
        } else if (msgEnd && wholeFrameHere && MessageAssembler.isEmpty(acc)) {
            MessageAssembler.deliverView(handler, msgText, in, pos, n, pos + n);
        } else {
            if (acc == null) {
                acc = new MessageAssembler(maxMessageSize);
            }
            acc.append(in, pos, n);
            in.position(pos + n);
            if (msgEnd) {
                acc.deliver(handler, msgText);
            }
        }
    }

    /** Streaming binary: hands in[pos, pos+n) to the handler as a view of {@code in}, then moves past it. */
    private void deliverFragment(ByteBuffer in, int pos, int n, boolean first, boolean last) {
        int limit = in.limit();
        in.limit(pos + n).position(pos);
        try {
            handler.onFragment(in, msgText, first, last);
        } finally {
            in.limit(limit).position(pos + n);
        }
    }

    /** A valid close frame was received: all input is ignored from now on. */
    void closeReceived() {
        state = DONE;
    }

    /** Fails the connection with {@code code} (also for the {@link InflatingReader}); all input is ignored after. */
    boolean fail(int code, String reason) {
        state = DONE;
        handler.onDecodeError(code, reason);
        return false;
    }
}
