package io.keel.websocket;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of the HyBi wire format, written independently of the server's codec so tests do not check
 * the codec against itself: the upgrade request, frame encoding and frame reading. Shared by the raw test clients
 * (this module's {@code RawClient}, the examples' hardening {@code Wire}) through the test-jar.
 */
public final class ClientWire {
    /** The RFC 6455 section 1.3 example key and its accept value. */
    public static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    public static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private ClientWire() {
    }

    /** One frame as the server sent it. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        /** The status code of a close frame; -1 for other frames and a close without one. */
        public int closeCode() {
            return opcode != 0x8 || payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** The HyBi upgrade request for {@code path} and {@code version} (7 and 8 carry Sec-WebSocket-Origin, 13 Origin). */
    public static String hybiRequest(String path, int version) {
        String origin = version < 13 ? "Sec-WebSocket-Origin: http://example.com\r\n" : "Origin: http://example.com\r\n";
        return "GET " + path + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + KEY + "\r\n"
            + origin
            + "Sec-WebSocket-Version: " + version + "\r\n\r\n";
    }

    /** One HyBi frame; a client masks with a random key unless {@code mask} is false (to test the refusal). */
    public static byte[] encode(boolean fin, int opcode, byte[] payload, boolean mask) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put((byte) ((fin ? 0x80 : 0) | opcode));
        int m = mask ? 0x80 : 0;
        if (payload.length < 126) {
            b.put((byte) (m | payload.length));
        } else if (payload.length < 65536) {
            b.put((byte) (m | 126)).putShort((short) payload.length);
        } else {
            b.put((byte) (m | 127)).putLong(payload.length);
        }
        if (mask) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            b.put(key);
            for (int i = 0; i < payload.length; i++) {
                b.put((byte) (payload[i] ^ key[i & 3]));
            }
        } else {
            b.put(payload);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Reads one frame from the server, checking that it is not masked (servers never mask). */
    public static Frame readFrame(InputStream in) throws IOException {
        byte[] h = readExactly(in, 2);
        if ((h[1] & 0x80) != 0) {
            throw new AssertionError("server frames must not be masked");
        }
        long len = h[1] & 0x7F;
        if (len == 126) {
            len = ByteBuffer.wrap(readExactly(in, 2)).getShort() & 0xFFFF;
        } else if (len == 127) {
            len = ByteBuffer.wrap(readExactly(in, 8)).getLong();
        }
        return new Frame((h[0] & 0x80) != 0, h[0] & 0x0F, readExactly(in, Math.toIntExact(len)));
    }

    /**
     * The first flight of a real TLS client (the JDK's): a handshake record (first byte 0x16) holding a ClientHello
     * for {@code host}, as a TLS client pointed at a plain-HTTP port would send it.
     */
    public static byte[] tlsClientHello(String host) {
        try {
            javax.net.ssl.SSLEngine engine = javax.net.ssl.SSLContext.getDefault().createSSLEngine(host, 443);
            engine.setUseClientMode(true);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            return java.util.Arrays.copyOf(out.array(), out.position());
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("no TLS client", e);
        }
    }

    /** Exactly {@code n} bytes, or an IOException saying where the stream ended. */
    public static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("end of stream after " + b.length + " of " + n + " bytes");
        }
        return b;
    }
}
