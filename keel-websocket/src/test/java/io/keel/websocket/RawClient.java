package io.keel.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.keel.websocket.ClientWire.Frame;

/**
 * A deliberately small, independent WebSocket client on a plain blocking socket: it writes exactly the bytes a
 * test asks for (so it can also send what a good client never would) and parses the server's bytes itself.
 */
final class RawClient implements AutoCloseable {
    static final String KEY = ClientWire.KEY;
    static final String ACCEPT = ClientWire.ACCEPT;

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    record Response(int status, String statusLine, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    RawClient(InetSocketAddress server) throws IOException {
        this(server, 0);
    }

    /** A client whose socket receive buffer is {@code receiveBuffer} bytes (0: the system's default). */
    RawClient(InetSocketAddress server, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
        }
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

    /** The HyBi upgrade request for {@code version}. */
    static String hybiRequest(int version) {
        return ClientWire.hybiRequest("/chat", version);
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

    /**
     * Upgrades with {@code version}: 7, 8 or 13 (HyBi), or 76 for Hixie-76, whose 16-byte answer to the key
     * challenge is checked too.
     */
    void upgradeAny(int version) throws IOException {
        if (version != 76) {
            upgrade(version);
            return;
        }
        write(WebSocketLoopbackTest.HIXIE_REQUEST);
        Response r = readResponseHead();
        if (r.status() != 101) {
            throw new AssertionError("expected 101, got " + r.statusLine() + " " + r.headers());
        }
        byte[] answer = read(16);
        if (!java.util.Arrays.equals(answer, WebSocketLoopbackTest.HIXIE_ANSWER.getBytes(StandardCharsets.ISO_8859_1))) {
            throw new AssertionError("wrong Hixie-76 challenge answer");
        }
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
        return ClientWire.readExactly(in, n);
    }

    /** Writes one HyBi frame; client frames are masked unless {@code mask} is false. */
    void sendFrame(boolean fin, int opcode, byte[] payload, boolean mask) throws IOException {
        write(ClientWire.encode(fin, opcode, payload, mask));
    }

    void sendText(String text) throws IOException {
        sendFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8), true);
    }

    void sendClose(int code) throws IOException {
        sendFrame(true, 0x8, new byte[] {(byte) (code >> 8), (byte) code}, true);
    }

    /** Reads one HyBi frame from the server, checking that it is not masked. */
    Frame readFrame() throws IOException {
        return ClientWire.readFrame(in);
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
