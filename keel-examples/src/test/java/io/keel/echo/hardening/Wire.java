package io.keel.echo.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import io.keel.websocket.ClientWire;
import io.keel.websocket.ClientWire.Frame;

/**
 * A small raw WebSocket client on a blocking socket, plain or TLS: it writes exactly the bytes a test asks for
 * and parses the server's bytes itself. Speaks HyBi-07/08/13 (frames from keel-websocket's test {@link ClientWire})
 * and Hixie-76. Public for the other example programs' tests (keel-chat's).
 */
public final class Wire implements AutoCloseable {
    static final String KEY = ClientWire.KEY;
    /** The worked example of draft-hixie-thewebsocketprotocol-76. */
    static final String HIXIE_REQUEST = "GET /demo HTTP/1.1\r\n"
        + "Host: example.com\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"
        + "Upgrade: WebSocket\r\n"
        + "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
        + "Origin: http://example.com\r\n\r\n"
        + "^n:ds[4U";
    static final byte[] HIXIE_ANSWER = "8jKS'y:G*Co,Wxa-".getBytes(StandardCharsets.ISO_8859_1);

    final Socket socket;
    final Socket tcp; // the TCP socket under the TLS one (the same when plain)
    final InputStream in;
    final OutputStream out;
    int version; // 76 for Hixie-76

    /** Connects to {@code server}'s port on 127.0.0.1, over TLS (trusting any certificate) when {@code tls}; 10 s read timeout. */
    public Wire(InetSocketAddress server, boolean tls) throws IOException {
        this(server, tls, 10_000);
    }

    /** As {@link #Wire(InetSocketAddress, boolean)} with reads failing after {@code soTimeoutMillis}. */
    public Wire(InetSocketAddress server, boolean tls, int soTimeoutMillis) throws IOException {
        this(server, tls ? trustAll() : null, soTimeoutMillis, 0);
    }

    /**
     * A client over TLS with {@code tls} (plain when null); with {@code receiveBuffer} > 0 its TCP receive buffer
     * is fixed to that size before it connects, so the kernel cannot soak up what the server sends it.
     */
    public Wire(InetSocketAddress server, SSLContext tls, int soTimeoutMillis, int receiveBuffer) throws IOException {
        this(server, null, tls, soTimeoutMillis, receiveBuffer);
    }

    /**
     * A client connecting from {@code source} (any port; null: the system's choice), e.g. 127.0.0.2, so that tests
     * can tell clients apart by address; over TLS trusting any certificate when {@code tls}.
     */
    public static Wire from(java.net.InetAddress source, InetSocketAddress server, boolean tls) throws IOException {
        return new Wire(server, source, tls ? trustAll() : null, 10_000, 0);
    }

    private Wire(InetSocketAddress server, java.net.InetAddress source, SSLContext tls, int soTimeoutMillis,
        int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (source != null) {
            s.bind(new InetSocketAddress(source, 0));
        }
        tcp = s;
        s.setTcpNoDelay(true);
        s.setSoTimeout(soTimeoutMillis);
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), 5_000);
        if (tls != null) {
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, "localhost", server.getPort(), true);
            ssl.startHandshake();
            s = ssl;
        }
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    /** A client context that trusts any certificate (the servers under test use throw-away self-signed ones). */
    static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hybiRequest(int version) {
        return ClientWire.hybiRequest("/echo", version);
    }

    /** Upgrades with {@code version} 7, 8, 13 (HyBi) or 76 (Hixie-76); fails unless the server says 101. */
    public Wire upgrade(int version) throws IOException {
        this.version = version;
        write(version == 76 ? HIXIE_REQUEST : hybiRequest(version));
        String head = readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new AssertionError("expected 101, got " + head);
        }
        if (version == 76 && !java.util.Arrays.equals(read(16), HIXIE_ANSWER)) {
            throw new AssertionError("wrong Hixie-76 challenge answer");
        }
        return this;
    }

    /** Reads an HTTP response head, up to and including its blank line; the body is left unread. */
    public String readHead() throws IOException {
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
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes exactly these bytes and flushes. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes the string's ISO-8859-1 bytes (an HTTP request, say) and flushes. */
    public void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    byte[] read(int n) throws IOException {
        return ClientWire.readExactly(in, n);
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload, boolean mask) {
        return ClientWire.encode(fin, opcode, payload, mask);
    }

    /** Sends one HyBi frame, masked as a client must: {@code opcode} 0x1 text, 0x2 binary, 0x8 close... */
    public void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
        write(frame(fin, opcode, payload, true));
    }

    /** Sends one text message in this connection's protocol (Hixie-76: 0x00 text 0xFF). */
    public void sendText(String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (version == 76) {
            byte[] f = new byte[utf8.length + 2];
            System.arraycopy(utf8, 0, f, 1, utf8.length);
            f[f.length - 1] = (byte) 0xFF;
            write(f);
        } else {
            sendFrame(true, 0x1, utf8);
        }
    }

    /** Sends one binary message in a masked HyBi frame. */
    public void sendBinary(byte[] data) throws IOException {
        sendFrame(true, 0x2, data);
    }

    /** Reads one HyBi frame, checking the server did not mask it. */
    public Frame readFrame() throws IOException {
        return ClientWire.readFrame(in);
    }

    /** Reads one text message in this connection's protocol. */
    public String readText() throws IOException {
        if (version == 76) {
            int b = in.read();
            if (b != 0x00) {
                throw new AssertionError("expected a Hixie-76 text frame, got first byte " + b);
            }
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            while ((b = in.read()) != 0xFF) {
                if (b < 0) {
                    throw new IOException("end of stream inside a Hixie-76 frame");
                }
                m.write(b);
            }
            return m.toString(StandardCharsets.UTF_8);
        }
        Frame f = readFrame();
        if (f.opcode() != 0x1 || !f.fin()) {
            throw new AssertionError("expected a whole text frame, got opcode " + f.opcode() + " fin " + f.fin());
        }
        return new String(f.payload(), StandardCharsets.UTF_8);
    }

    /** The rest of the stream, until the server closes (a plain HTTP response, which ends with the connection). */
    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /** Reads frames until a close frame and returns its code (data frames before it are skipped). */
    public int readCloseCode() throws IOException {
        for (int i = 0; i < 100_000; i++) {
            Frame f = readFrame();
            if (f.opcode() == 0x8) {
                return f.closeCode();
            }
        }
        throw new AssertionError("no close frame");
    }

    /** The close handshake from our side: HyBi close 1000 (or Hixie-76's 0xFF 0x00), then the server's answer. */
    public void closeNormally() throws IOException {
        if (version == 76) {
            write(new byte[] {(byte) 0xFF, 0x00});
            byte[] answer = read(2);
            if (answer[0] != (byte) 0xFF || answer[1] != 0) {
                throw new AssertionError("expected the Hixie-76 close frame");
            }
        } else {
            sendFrame(true, 0x8, new byte[] {0x03, (byte) 0xE8});
            int code = readCloseCode();
            if (code != 1000) {
                throw new AssertionError("expected the close to be echoed with 1000, got " + code);
            }
        }
        if (!readsEndOfStream()) {
            throw new AssertionError("the server did not close the connection after the close handshake");
        }
    }

    /** True when the peer closed: the next read gives end of stream (or a reset / TLS close). */
    public boolean readsEndOfStream() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException | javax.net.ssl.SSLException reset) {
            return true;
        }
    }

    /** The client's own address and port (under TLS, the TCP socket's). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    /** Closes the TCP socket at once (no TLS close_notify, which would wait for a blocked writer). */
    public void abort() {
        try {
            tcp.setSoLinger(true, 0);
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
