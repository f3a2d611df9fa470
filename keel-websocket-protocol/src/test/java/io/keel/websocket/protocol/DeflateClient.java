package io.keel.websocket.protocol;

import io.keel.websocket.protocol.deflate.DeflateAgreement;
import io.keel.websocket.protocol.deflate.DeflateScratch;
import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** The client side of permessage-deflate for tests: JDK zlib, raw DEFLATE, the sync-flush tail stripped. */
public final class DeflateClient {
    final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    final Inflater inflater = new Inflater(true);
    boolean noContextTakeover;

    /** One message compressed as RFC 7692 section 7.2.1 says (sync flush, {@code 00 00 FF FF} removed). */
    byte[] compress(byte[] data) {
        byte[] z = syncFlush(deflater, data);
        if (noContextTakeover) {
            deflater.reset();
        }
        return z;
    }

    /**
     * {@code data} through {@code d} with a sync flush, the {@code 00 00 FF FF} tail removed; an empty message is
     * one {@code 00} byte (RFC 7692 sections 7.2.1 and 7.2.3.6).
     */
    public static byte[] syncFlush(Deflater d, byte[] data) {
        if (data.length == 0) {
            return new byte[] {0};
        }
        d.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        byte[] b = out.toByteArray();
        return Arrays.copyOf(b, b.length - 4);
    }

    /** A server message's payload inflated (the tail appended, section 7.2.2). */
    byte[] inflate(byte[] payload) throws DataFormatException {
        inflater.setInput(TestSupport.concat(payload, TestSupport.bytes(0, 0, 0xFF, 0xFF)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (true) {
            int n = inflater.inflate(buf);
            out.write(buf, 0, n);
            if (n < buf.length && inflater.needsInput()) {
                break;
            }
        }
        return out.toByteArray();
    }

    /** A client frame with RSV1 set (the first frame of a compressed message). */
    static byte[] compressedFrame(boolean fin, int opcode, byte[] payload) {
        return TestSupport.frame((fin ? 0x80 : 0) | 0x40, opcode, payload, 0x11223344, true, -1);
    }

    /** A recording session with permessage-deflate on, using {@code codec}. */
    static TestSupport.Recorder session(WebSocketConfig cfg, PerMessageDeflate codec, int threshold, DeflateStats s) {
        TestSupport.Recorder r = TestSupport.session(ProtocolVersion.RFC_6455, cfg);
        r.session.enableCompression(codec, threshold, s);
        return r;
    }

    static PerMessageDeflate shared() {
        return new DeflateScratch().shared();
    }

    static PerMessageDeflate dedicated(DeflateStats stats) {
        return PerMessageDeflate.dedicated(new DeflateScratch(),
            new DeflateAgreement(true, false, false, "permessage-deflate"), stats);
    }
}
