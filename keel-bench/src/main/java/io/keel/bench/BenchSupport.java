package io.keel.bench;

import io.keel.websocket.protocol.OutputSink;
import io.keel.websocket.protocol.WebSocketListener;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Input builders, a counting listener and a counting sink shared by the benchmarks. */
final class BenchSupport {
    /**
     * Masking key whose four bytes are all below 0x80: XOR with it maps ASCII to ASCII, so an ASCII text frame stays
     * valid UTF-8 whether its payload is currently masked or already unmasked. The decoder unmasks in place; with
     * this key a benchmark can simply rewind the input buffer and decode it again (the payload alternates between
     * masked and unmasked, which is irrelevant for binary and harmless for ASCII text), with no re-copy per op.
     */
    static final int ASCII_SAFE_MASK = 0x1F2E3D4C;

    private BenchSupport() {
    }

    /** A masked client frame (fin, minimal length encoding). */
    static byte[] clientFrame(int opcode, byte[] payload, int maskKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
            out.write(0x80 | n);
        } else if (n <= 0xFFFF) {
            out.write(0x80 | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x80 | 127);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) ((long) n >>> s));
            }
        }
        for (int s = 24; s >= 0; s -= 8) {
            out.write(maskKey >>> s);
        }
        for (int i = 0; i < n; i++) {
            out.write(payload[i] ^ (maskKey >>> (24 - ((i & 3) << 3))));
        }
        return out.toByteArray();
    }

    /** {@code n} printable ASCII bytes. */
    static byte[] ascii(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    /** {@code n} bytes of deterministic binary data (all byte values). */
    static byte[] binary(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /**
     * Exactly {@code n} bytes of valid UTF-8 cycling through 1-, 2-, 3- and 4-byte code points ("aé€😀", 10 bytes a
     * cycle), padded with ASCII at the end to the exact length.
     */
    static byte[] mixedUtf8(int n) {
        byte[] cycle = "a\u00e9\u20ac\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[n];
        int i = 0;
        while (i + cycle.length <= n) {
            System.arraycopy(cycle, 0, b, i, cycle.length);
            i += cycle.length;
        }
        while (i < n) {
            b[i++] = 'z';
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] repeat(byte[] b, int times) {
        byte[] r = new byte[b.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(b, 0, r, i * b.length, b.length);
        }
        return r;
    }

    /** A buffer holding exactly {@code b} (position 0, limit = capacity = length), heap or direct. */
    static ByteBuffer buffer(byte[] b, boolean direct) {
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(b.length) : ByteBuffer.allocate(b.length);
        buf.put(b).flip();
        return buf;
    }

    /** "No-op" application: only counts what it is given (a field increment per callback) so errors are visible. */
    static final class CountingListener implements WebSocketListener {
        long messages;
        long bytes;
        int errors;
        int closes;

        @Override
        public void onText(ByteBuffer utf8) {
            messages++;
            bytes += utf8.remaining();
        }

        @Override
        public void onBinary(ByteBuffer data) {
            messages++;
            bytes += data.remaining();
        }

        @Override
        public void onClose(int code, String reason) {
            closes++;
        }

        @Override
        public void onProtocolError(int closeCode, String reason) {
            errors++;
        }
    }

    /** Sink that only counts bytes and frames (writes nothing, moves no positions). */
    static final class CountingSink implements OutputSink<Boolean> {
        long frames;
        long bytes;

        @Override
        public Boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
            frames++;
            bytes += prefix.remaining() + payload.remaining() + suffix.remaining();
            return Boolean.TRUE;
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark self-check failed: " + what);
        }
    }
}
