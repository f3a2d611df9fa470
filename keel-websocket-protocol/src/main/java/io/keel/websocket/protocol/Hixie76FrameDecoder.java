package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Incremental draft-hixie-76 frame decoder.
 * <ul>
 *   <li>{@code 0x00 <utf-8> 0xFF}: a text message; UTF-8 is validated as bytes arrive (invalid → 1007).</li>
 *   <li>{@code 0xFF 0x00}: the closing handshake ({@link FrameHandler#onCloseFrame} with code 1005).</li>
 *   <li>Other types with the high bit set: length-prefixed (base-128 length); the data is skipped without
 *       buffering, as the draft requires.</li>
 *   <li>Other types without the high bit: data up to the next {@code 0xFF} is discarded.</li>
 * </ul>
 * Any frame longer than {@code maxMessageSize} fails with 1009 (as soon as the bytes or the length arrive), so
 * nothing grows without bound. Accumulate vs streaming and the zero-copy rules are as in {@link HybiFrameDecoder}.
 */
public final class Hixie76FrameDecoder {
    private static final int FRAME_TYPE = 0;
    private static final int TEXT = 1;
    private static final int DISCARD_TEXT = 2;
    private static final int LENGTH = 3;
    private static final int SKIP = 4;
    private static final int DONE = 5;

    private static final long HIGH_BITS = 0x8080808080808080L;

    private final FrameHandler handler;
    private final int maxFrameSize;
    private final boolean streaming;
    private final Utf8Validator utf8 = new Utf8Validator();
    private final TextChunker chunker; // streaming only
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private int state = FRAME_TYPE;
    private int frameType;
    private long frameLen;
    private long skipLeft;
    // created when a frame first needs copying (split over reads): see MessageAssembler
    private MessageAssembler acc;

    /**
     * A decoder for one connection's input (draft-hixie-76 section 5.3).
     *
     * @param handler receives the events
     * @param cfg its {@code maxMessageSize} (in bytes) bounds each frame and {@code streaming} selects
     *     {@link FrameHandler#onFragment}; the other settings do not concern decoding
     * @throws NullPointerException when {@code cfg} is null
     */
    public Hixie76FrameDecoder(FrameHandler handler, WebSocketConfig cfg) {
        this.handler = handler;
        this.maxFrameSize = cfg.maxMessageSize();
        this.streaming = cfg.streaming();
        this.chunker = streaming ? new TextChunker() : null;
    }

    /**
     * True once the closing frame ({@code 0xFF 0x00}) was received or the peer violated the protocol; later input
     * is consumed and discarded.
     */
    public boolean isDone() {
        return state == DONE;
    }

    /**
     * Decodes the bytes of {@code in}: all of them, unless the handler pauses ({@link FrameHandler#isPaused()}),
     * which leaves the rest from the next frame (or the rest of a streamed frame) unconsumed.
     */
    public void decode(ByteBuffer in) {
        while (in.hasRemaining()) {
            if (handler.isPaused()) {
                return;
            }
            switch (state) {
                case FRAME_TYPE -> {
                    frameType = in.get() & 0xFF;
                    frameLen = 0;
                    if (frameType == 0x00) {
                        state = TEXT;
                        utf8.reset();
                        if (chunker != null) {
                            chunker.reset();
                        }
                        if (acc != null) {
                            acc.begin();
                        }
                    } else if ((frameType & 0x80) != 0) {
                        state = LENGTH;
                    } else {
                        state = DISCARD_TEXT;
                    }
                }
                case TEXT -> text(in);
                case DISCARD_TEXT -> {
                    int pos = in.position();
                    int end = indexOfFF(in, pos, in.limit());
                    int stop = end < 0 ? in.limit() : end;
                    frameLen += stop - pos;
                    if (frameLen > maxFrameSize) {
                        fail(CloseCodes.MESSAGE_TOO_BIG, "Frame exceeds " + maxFrameSize + " bytes");
                        in.position(in.limit()); // after a failure the rest of the input is ignored, not kept
                        return;
                    }
                    in.position(end < 0 ? stop : end + 1);
                    if (end >= 0) {
                        state = FRAME_TYPE;
                    }
                }
                case LENGTH -> {
                    int b = in.get() & 0xFF;
                    frameLen = (frameLen << 7) | (b & 0x7F);
                    if (frameLen > maxFrameSize) {
                        fail(CloseCodes.MESSAGE_TOO_BIG, "Frame exceeds " + maxFrameSize + " bytes");
                        in.position(in.limit());
                        return;
                    }
                    if ((b & 0x80) == 0) {
                        if (frameType == 0xFF && frameLen == 0) {
                            state = DONE;
                            handler.onCloseFrame(CloseCodes.NO_STATUS_RECEIVED, EMPTY.duplicate());
                        } else {
                            skipLeft = frameLen;
                            state = frameLen == 0 ? FRAME_TYPE : SKIP;
                        }
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(skipLeft, in.remaining());
                    in.position(in.position() + n);
                    skipLeft -= n;
                    if (skipLeft == 0) {
                        state = FRAME_TYPE;
                    }
                }
                default -> in.position(in.limit());
            }
        }
    }

    /**
     * True when the bytes of {@code in} not yet decoded (this decoder's state continues at its position) hold the
     * closing handshake ({@code 0xFF 0x00}) at a frame boundary. Consumes nothing.
     */
    public boolean closeFrameAhead(ByteBuffer in) {
        int p = in.position();
        int end = in.limit();
        if (state == TEXT || state == DISCARD_TEXT) {
            int ff = indexOfFF(in, p, end);
            if (ff < 0) {
                return false;
            }
            p = ff + 1;
        } else if (state != FRAME_TYPE) {
            return false;
        }
        while (p < end) {
            int type = in.get(p++) & 0xFF;
            if ((type & 0x80) == 0) {
                int ff = indexOfFF(in, p, end);
                if (ff < 0) {
                    return false;
                }
                p = ff + 1;
                continue;
            }
            long len = 0;
            int b;
            do {
                if (p >= end) {
                    return false;
                }
                b = in.get(p++) & 0xFF;
                len = (len << 7) | (b & 0x7F);
                if (len > maxFrameSize) {
                    return false;
                }
            } while ((b & 0x80) != 0);
            if (type == 0xFF && len == 0) {
                return true;
            }
            if (len > end - p) {
                return false;
            }
            p += (int) len;
        }
        return false;
    }

    private void text(ByteBuffer in) {
        int pos = in.position();
        int end = indexOfFF(in, pos, in.limit());
        boolean found = end >= 0;
        int stop = found ? end : in.limit();
        int n = stop - pos;
        frameLen += n;
        if (frameLen > maxFrameSize) {
            // the first violation in stream order wins, however the bytes were split into reads
            int withinLimit = (int) (n - (frameLen - maxFrameSize));
            boolean validSoFar = utf8.validate(in, pos, pos + withinLimit);
            fail(validSoFar ? CloseCodes.MESSAGE_TOO_BIG : CloseCodes.INVALID_PAYLOAD_DATA,
                validSoFar ? "Frame exceeds " + maxFrameSize + " bytes" : "Invalid UTF-8 in text frame");
            in.position(in.limit());
            return;
        }
        if (!utf8.validate(in, pos, stop) || (found && !utf8.isComplete())) {
            fail(CloseCodes.INVALID_PAYLOAD_DATA, "Invalid UTF-8 in text frame");
            return;
        }
        int next = found ? stop + 1 : stop;
        if (found) {
            state = FRAME_TYPE;
        }
        if (streaming) {
            if (n > 0 || found) {
                chunker.deliver(handler, in, pos, stop, next, found);
            }
        } else if (found && MessageAssembler.isEmpty(acc)) {
            MessageAssembler.deliverView(handler, true, in, pos, n, next);
        } else {
            if (acc == null) {
                acc = new MessageAssembler(maxFrameSize);
            }
            acc.append(in, pos, n);
            in.position(next);
            if (found) {
                acc.deliver(handler, true);
            }
            return;
        }
        if (in.position() != next) {
            in.position(next);
        }
    }

    private void fail(int code, String reason) {
        state = DONE;
        handler.onDecodeError(code, reason);
    }

    /** Index of the first 0xFF byte in {@code b[from, to)}, or -1; skips ASCII 8 bytes at a time. */
    static int indexOfFF(ByteBuffer b, int from, int to) {
        int i = from;
        while (i < to) {
            while (i + 8 <= to && (b.getLong(i) & HIGH_BITS) == 0) {
                i += 8;
            }
            int stop = Math.min(to, i + 8);
            for (; i < stop; i++) {
                if (b.get(i) == (byte) 0xFF) {
                    return i;
                }
            }
        }
        return -1;
    }
}
