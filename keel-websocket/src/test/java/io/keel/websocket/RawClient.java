package io.keel.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A deliberately small, independent WebSocket client on a plain blocking socket: it writes exactly the bytes a
 * test asks for (so it can also send what a good client never would) and parses the server's bytes itself.
 */
final class RawClient implements AutoCloseable {
    /** The RFC 6455 section 1.3 example key and its accept value. */
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    record Frame(boolean fin, int opcode, byte[] payload) {
        int closeCode() {
            if (opcode != 0x8 || payload.length < 2) {
                return -1;
            }
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    record Response(int status, String statusLine, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    RawClient(InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress("127.0.0.1", server.getPort()), 5_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The HyBi upgrade request for {@code version} (7 and 8 carry Sec-WebSocket-Origin, 13 Origin). */
    static String hybiRequest(int version) {
        String origin = version < 13 ? "Sec-WebSocket-Origin: http://example.com\r\n" : "Origin: http://example.com\r\n";
        return "GET /chat HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + KEY + "\r\n"
            + origin
            + "Sec-WebSocket-Version: " + version + "\r\n\r\n";
    }

    /** Sends the HyBi upgrade and returns the 101 response (fails on anything else). */
    Response upgrade(int version) throws IOException {
        write(hybiRequest(version));
        Response r = readResponseHead();
        if (r.status() != 101) {
            throw new AssertionError("expected 101, got " + r.statusLine() + " " + r.headers());
        }
        return r;
    }

    /** Reads a response head (up to and including the blank line); the body is left unread. */
    Response readResponseHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream inside the response head: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
            }
        }
        String[] parts = lines[0].split(" ", 3);
        return new Response(Integer.parseInt(parts[1]), lines[0], headers, new byte[0]);
    }

    /** Reads a complete response whose body length is given by Content-Length. */
    Response readResponse() throws IOException {
        Response head = readResponseHead();
        String len = head.header("Content-Length");
        byte[] body = len == null ? new byte[0] : read(Integer.parseInt(len));
        return new Response(head.status(), head.statusLine(), head.headers(), body);
    }

    byte[] read(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("end of stream after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** Writes one HyBi frame; client frames are masked unless {@code mask} is false. */
    void sendFrame(boolean fin, int opcode, byte[] payload, boolean mask) throws IOException {
        write(encodeFrame(fin, opcode, payload, mask));
    }

    static byte[] encodeFrame(boolean fin, int opcode, byte[] payload, boolean mask) {
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
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    void sendText(String text) throws IOException {
        sendFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8), true);
    }

    void sendClose(int code) throws IOException {
        sendFrame(true, 0x8, new byte[] {(byte) (code >> 8), (byte) code}, true);
    }

    /** Reads one HyBi frame from the server, checking that it is not masked. */
    Frame readFrame() throws IOException {
        byte[] h = read(2);
        boolean fin = (h[0] & 0x80) != 0;
        int opcode = h[0] & 0x0F;
        if ((h[1] & 0x80) != 0) {
            throw new AssertionError("server frames must not be masked");
        }
        long len = h[1] & 0x7F;
        if (len == 126) {
            len = ByteBuffer.wrap(read(2)).getShort() & 0xFFFF;
        } else if (len == 127) {
            len = ByteBuffer.wrap(read(8)).getLong();
        }
        return new Frame(fin, opcode, read(Math.toIntExact(len)));
    }

    /** Reads frames until a close frame and returns it (data frames before it are skipped). */
    Frame readUntilClose() throws IOException {
        for (int i = 0; i < 10_000; i++) {
            Frame f = readFrame();
            if (f.opcode() == 0x8) {
                return f;
            }
        }
        throw new AssertionError("no close frame");
    }

    /** True when the server closed the connection: the next read gives end of stream (or a reset). */
    boolean readsEndOfStream() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
