package io.keel.websocket.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Test-side client encoder, recording listener/sink and input splitting helpers. */
final class TestSupport {
    private TestSupport() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
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

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] unhex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** A client (masked) frame with minimal length encoding. */
    static byte[] frame(boolean fin, int opcode, byte[] payload, int maskKey) {
        return frame(fin ? 0x80 : 0, opcode, payload, maskKey, true, -1);
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, opcode, payload, 0x37fa213d);
    }

    static byte[] text(String s) {
        return frame(true, Opcode.TEXT, utf8(s));
    }

    static byte[] close(int code, String reason) {
        return frame(true, Opcode.CLOSE, concat(bytes(code >>> 8, code & 0xFF), utf8(reason)));
    }

    /**
     * Fully controllable client frame: {@code flags} = FIN/RSV bits of byte 0; {@code lenBytes} forces 0 (7-bit),
     * 2 or 8 length bytes, -1 = minimal.
     */
    static byte[] frame(int flags, int opcode, byte[] payload, int maskKey, boolean masked, int lenBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(flags | opcode);
        int n = payload.length;
        int lb = lenBytes >= 0 ? lenBytes : n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
        int maskBit = masked ? 0x80 : 0;
        if (lb == 0) {
            out.write(maskBit | n);
        } else if (lb == 2) {
            out.write(maskBit | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(maskBit | 127);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) ((long) n >>> s));
            }
        }
        if (masked) {
            byte[] k = bytes(maskKey >>> 24, maskKey >>> 16, maskKey >>> 8, maskKey);
            out.writeBytes(k);
            for (int i = 0; i < n; i++) {
                out.write(payload[i] ^ k[i & 3]);
            }
        } else {
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    /** Splits data into chunks: mode 0 = whole, 1 = byte by byte, else random sizes from the seed. */
    static List<byte[]> split(byte[] data, int mode, long seed) {
        List<byte[]> out = new ArrayList<>();
        if (mode == 0) {
            out.add(data.clone());
            return out;
        }
        Random r = new Random(seed);
        int i = 0;
        while (i < data.length) {
            int n = mode == 1 ? 1 : 1 + r.nextInt(Math.min(data.length - i, 1 + r.nextInt(40)));
            byte[] c = new byte[n];
            System.arraycopy(data, i, c, 0, n);
            out.add(c);
            i += n;
        }
        return out;
    }

    /** Records listener events as strings and sink output as bytes. */
    static final class Recorder implements WebSocketListener, OutputSink<Boolean> {
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream fragments = new ByteArrayOutputStream();
        final List<String> fragLog = new ArrayList<>();
        WebSocketSession<Boolean> session;
        boolean echo;

        static String str(ByteBuffer b) {
            return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
        }

        static String hexOf(ByteBuffer b) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            return hex(a);
        }

        @Override
        public void onText(ByteBuffer utf8) {
            events.add("text:" + str(utf8));
            if (echo) {
                session.sendText(utf8);
            }
        }

        @Override
        public void onBinary(ByteBuffer data) {
            events.add("binary:" + hexOf(data));
            if (echo) {
                session.sendBinary(data);
            }
        }

        @Override
        public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
            byte[] a = new byte[data.remaining()];
            data.duplicate().get(a);
            if (text && !Utf8Validator.isValid(a, 0, a.length)) {
                throw new AssertionError("text fragment is not whole UTF-8 code points: " + hex(a));
            }
            fragments.writeBytes(a);
            if (last) {
                events.add((text ? "stext:" + new String(fragments.toByteArray(), StandardCharsets.UTF_8)
                        : "sbinary:" + hex(fragments.toByteArray())));
                fragments.reset();
            }
            fragLog.add((first ? "F" : "-") + (last ? "L" : "-") + a.length);
        }

        @Override
        public void onPing(ByteBuffer payload) {
            events.add("ping:" + hexOf(payload));
        }

        @Override
        public void onPong(ByteBuffer payload) {
            events.add("pong:" + hexOf(payload));
        }

        @Override
        public void onClose(int code, String reason) {
            events.add("close:" + code + ":" + reason);
        }

        @Override
        public void onProtocolError(int closeCode, String reason) {
            events.add("error:" + closeCode);
        }

        @Override
        public Boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
            for (ByteBuffer b : new ByteBuffer[] {prefix, payload, suffix}) {
                byte[] a = new byte[b.remaining()];
                b.get(a);
                out.write(a, 0, a.length);
            }
            return true;
        }

        byte[] output() {
            return out.toByteArray();
        }
    }

    static Recorder session(ProtocolVersion v, WebSocketConfig cfg) {
        Recorder r = new Recorder();
        r.session = new WebSocketSession<>(v, cfg, r, r);
        return r;
    }

    /** Feeds the chunks one by one, each in its own buffer (heap, or direct when {@code direct}). */
    static void feed(Recorder r, List<byte[]> chunks, boolean direct) {
        for (byte[] c : chunks) {
            ByteBuffer b = direct ? ByteBuffer.allocateDirect(c.length) : ByteBuffer.allocate(c.length);
            b.put(c).flip();
            r.session.receive(b);
            if (b.hasRemaining()) {
                throw new AssertionError("receive() did not consume all input");
            }
        }
    }

    /** Runs the input whole, byte by byte and in several random splits; asserts identical events/output; returns one. */
    static Recorder runAllSplits(ProtocolVersion v, WebSocketConfig cfg, byte[] input) {
        Recorder ref = session(v, cfg);
        feed(ref, split(input, 0, 0), false);
        for (int mode = 1; mode < 8; mode++) {
            Recorder r = session(v, cfg);
            feed(r, split(input, mode, mode * 31L), mode % 2 == 0);
            org.assertj.core.api.Assertions.assertThat(r.events).as("events with split mode " + mode).isEqualTo(ref.events);
            org.assertj.core.api.Assertions.assertThat(hex(r.output())).as("output with split mode " + mode).isEqualTo(hex(ref.output()));
        }
        return ref;
    }
}
