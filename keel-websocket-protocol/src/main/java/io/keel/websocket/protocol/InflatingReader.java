package io.keel.websocket.protocol;

import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a compressed message (RFC 7692 section 7.2.2: its payload, then {@code 00 00 FF FF}) and hands it to
 * the {@link FrameHandler} as {@link HybiFrameDecoder} hands an uncompressed one: whole ({@code onMessage}) or, in
 * streaming mode, in pieces ({@code onFragment}, text in whole code points).
 *
 * <p>Output is produced in chunks of {@link io.keel.websocket.protocol.deflate.DeflateScratch#INFLATE_CHUNK}
 * bytes, and the message limit is checked on each before it is kept or delivered, so a small frame that inflates
 * past the limit (a decompression bomb) fails with 1009 having allocated at most the limit plus one chunk. Text
 * is checked as UTF-8 as it is inflated (1007); corrupt DEFLATE data fails with 1007 (invalid payload data, RFC
 * 6455 section 7.4.1). A message that inflates within one chunk is delivered as a view of the chunk (no copy).
 * Made by a decoder at its first compressed message.
 */
final class InflatingReader {
    private final HybiFrameDecoder decoder;
    private final FrameHandler handler;
    private final PerMessageDeflate codec;
    private final DeflateStats stats;
    private final int maxMessageSize;
    private final Utf8Validator utf8;
    private final TextChunker chunker; // streaming only
    private MessageAssembler out;      // accumulate mode, for a message of more than one chunk
    private MessageAssembler gathered; // the compressed bytes of a message split over reads or frames
    private long total;
    private boolean started;           // streaming binary: a first piece went out
    private boolean text;

    InflatingReader(HybiFrameDecoder decoder, FrameHandler handler, PerMessageDeflate codec, DeflateStats stats,
            int maxMessageSize, Utf8Validator utf8, TextChunker chunker) {
        this.decoder = decoder;
        this.handler = handler;
        this.codec = codec;
        this.stats = stats;
        this.maxMessageSize = maxMessageSize;
        this.utf8 = utf8;
        this.chunker = chunker;
    }

    /**
     * The longest compressed payload a message within {@code inflatedLimit} can have: zlib's conservative
     * {@code deflateBound} for any settings (stored blocks cost 5 bytes per block; the worst case is about 14% more than
     * the input), plus room for the sync flush's empty block. An honest sender never exceeds it, so incompressible
     * data just under the limit is accepted (the limit is on the inflated size, RFC 7692 section 7.2.2), and
     * the bytes gathered before inflating stay bounded.
     *
     * @param inflatedLimit the message limit, bytes, {@code >= 0}
     * @return the bound in bytes, at most {@code Integer.MAX_VALUE - 8} (the largest array the JVM allocates)
     */
    static long wireBound(int inflatedLimit) {
        long n = inflatedLimit;
        return Math.min(Integer.MAX_VALUE - 8, n + ((n + 7) >> 3) + ((n + 63) >> 6) + 5 + 16);
    }

    /**
     * Takes {@code in[pos, pos + n)} of a compressed message's payload and moves {@code in} past it; at the
     * message's end inflates it: from {@code in} itself when the message came whole in this read, else from what
     * was gathered (within the message limit the decoder checked on the frame headers).
     */
    void payload(ByteBuffer in, int pos, int n, boolean isText, boolean msgEnd, boolean wholeFrameHere) {
        if (msgEnd && wholeFrameHere && MessageAssembler.isEmpty(gathered)) {
            int limit = in.limit();
            in.limit(pos + n).position(pos);
            try {
                inflate(isText, in);
            } finally {
                in.limit(limit).position(pos + n);
            }
            return;
        }
        if (gathered == null) {
            gathered = new MessageAssembler((int) wireBound(maxMessageSize));
        }
        gathered.append(in, pos, n);
        in.position(pos + n);
        if (msgEnd) {
            try {
                inflate(isText, gathered.flipped());
            } finally {
                gathered.done();
            }
        }
    }

    /**
     * Inflates and delivers one whole compressed message.
     *
     * @param isText a text message (validated as UTF-8) or binary
     * @param compressed its payload, position to limit; consumed
     */
    void inflate(boolean isText, ByteBuffer compressed) {
        int compressedLength = compressed.remaining();
        text = isText;
        total = 0;
        started = false;
        utf8.reset();
        if (chunker != null) {
            chunker.reset();
        }
        if (out != null) {
            out.begin();
        }
        boolean ok = false;
        try {
            ok = run(codec.inflater(), compressed);
        } catch (DataFormatException e) {
            decoder.fail(CloseCodes.INVALID_PAYLOAD_DATA, "Invalid compressed data: " + e.getMessage());
        } finally {
            codec.messageInflated(!ok);
        }
        if (ok) {
            stats.countIn(compressedLength, total);
        }
    }

    private boolean run(Inflater inf, ByteBuffer compressed) throws DataFormatException {
        inf.setInput(compressed);
        boolean tailGiven = false;
        ByteBuffer chunk = codec.inflateChunk();
        while (true) {
            int n = inf.inflate(chunk);
            if (!chunk.hasRemaining()) {
                if (!emit(chunk, false)) {
                    return false;
                }
                chunk = codec.inflateChunk(); // zlib may hold more output for the input it has taken
            } else if (inf.finished()) {
                break; // a final block ends the DEFLATE stream: what follows it is ignored
            } else if (inf.needsInput()) {
                if (tailGiven) {
                    break;
                }
                inf.setInput(PerMessageDeflate.tail());
                tailGiven = true;
            } else if (n == 0) {
                throw new DataFormatException(inf.needsDictionary() ? "preset dictionary" : "no progress");
            }
        }
        return emit(chunk, true);
    }

    /** Checks and hands on the {@code chunk.position()} bytes of {@code chunk}; false when the message failed. */
    private boolean emit(ByteBuffer chunk, boolean last) {
        int n = chunk.position();
        if (n > maxMessageSize - total) {
            decoder.fail(CloseCodes.MESSAGE_TOO_BIG, "Message exceeds " + maxMessageSize + " bytes once inflated");
            return false;
        }
        total += n;
        if (text && (!utf8.validate(chunk, 0, n) || (last && !utf8.isComplete()))) {
            decoder.fail(CloseCodes.INVALID_PAYLOAD_DATA, "Invalid UTF-8 in compressed text message");
            return false;
        }
        if (chunker != null) {
            if (text) {
                chunker.deliver(handler, chunk, 0, n, n, last);
            } else {
                chunk.limit(n).position(0);
                boolean first = !started;
                started = true;
                handler.onFragment(chunk, false, first, last);
            }
        } else if (last && MessageAssembler.isEmpty(out)) {
            handler.onMessage(text, chunk.limit(n).position(0));
        } else {
            if (out == null) {
                out = new MessageAssembler(maxMessageSize);
            }
            out.append(chunk, 0, n);
            if (last) {
                out.deliver(handler, text);
            }
        }
        return true;
    }
}
