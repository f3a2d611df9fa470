package io.keel.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A permessage-deflate client (RFC 7692) on any stream (a plain or TLS socket), written apart from the server's
 * codec: it offers the extension, reads the answer, compresses what it sends (context takeover unless it offered
 * or was answered {@code client_no_context_takeover}) and inflates what it gets. Shared with keel-examples through
 * the test-jar.
 */
public final class DeflateWire implements AutoCloseable {
    private final InputStream in;
    private final OutputStream out;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);
    private String extensions;
    private boolean resetCompressor;

    /** A message as the server sent it: whether its first frame had RSV1, its opcode, its (inflated) payload. */
    public record Message(boolean compressed, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public DeflateWire(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /**
     * Upgrades (RFC 6455) offering {@code offers}, one {@code Sec-WebSocket-Extensions} line each (none: no
     * offer), and returns the answered extensions ("" for none).
     */
    public String upgrade(String... offers) throws IOException {
        StringBuilder req = new StringBuilder(ClientWire.hybiRequest("/", 13));
        req.setLength(req.length() - 2);
        for (String o : offers) {
            req.append("Sec-WebSocket-Extensions: ").append(o).append("\r\n");
        }
        req.append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String head = readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new AssertionError("expected 101: " + head);
        }
        extensions = "";
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions:")) {
                extensions = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        // the client keeps its window unless the answer says otherwise (RFC 7692 section 7.1.1.2)
        resetCompressor = extensions.contains("client_no_context_takeover");
        return extensions;
    }

    /** The extensions the server answered. */
    public String extensions() {
        return extensions;
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("end of stream in the response head");
            }
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** Compresses one message as RFC 7692 section 7.2.1 says. */
    public byte[] compress(byte[] data) {
        if (data.length == 0) {
            return new byte[] {0};
        }
        deflater.setInput(data);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        int n;
        do {
            n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            z.write(buf, 0, n);
        } while (n == buf.length);
        if (resetCompressor) {
            deflater.reset();
        }
        byte[] a = z.toByteArray();
        return Arrays.copyOf(a, a.length - 4);
    }

    /**
     * Sends one message, compressed when {@code compress}, in {@code frames} frames (RSV1 on the first only).
     *
     * @param opcode 1 text, 2 binary
     */
    public void send(int opcode, byte[] data, boolean compress, int frames) throws IOException {
        byte[] p = compress ? compress(data) : data;
        int step = Math.max(1, (p.length + frames - 1) / frames);
        int off = 0;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int f = 0; f < frames; f++) {
            int end = f == frames - 1 ? p.length : Math.min(p.length, off + step);
            byte[] frame = ClientWire.encode(f == frames - 1, f == 0 ? opcode : 0, Arrays.copyOfRange(p, off, end), true);
            if (f == 0 && compress) {
                frame[0] |= 0x40;
            }
            all.writeBytes(frame);
            off = end;
        }
        out.write(all.toByteArray());
        out.flush();
    }

    /** Reads the next data message (skipping pongs), inflating it when its first frame has RSV1. */
    public Message read() throws IOException, DataFormatException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        boolean compressed = false;
        int opcode = -1;
        while (true) {
            byte[] h = ClientWire.readExactly(in, 2);
            int b0 = h[0] & 0xFF;
            int op = b0 & 0x0F;
            long len = h[1] & 0x7F;
            if (len == 126) {
                len = java.nio.ByteBuffer.wrap(ClientWire.readExactly(in, 2)).getShort() & 0xFFFF;
            } else if (len == 127) {
                len = java.nio.ByteBuffer.wrap(ClientWire.readExactly(in, 8)).getLong();
            }
            byte[] p = ClientWire.readExactly(in, Math.toIntExact(len));
            if (op >= 8) {
                if (op == 8) {
                    return new Message(false, 8, p);
                }
                if ((b0 & 0x70) != 0) {
                    throw new AssertionError("RSV bit on a control frame");
                }
                continue;
            }
            if (opcode < 0) {
                opcode = op;
                compressed = (b0 & 0x40) != 0;
            } else if ((b0 & 0x70) != 0) {
                throw new AssertionError("RSV bit on a continuation frame");
            }
            payload.writeBytes(p);
            if ((b0 & 0x80) != 0) {
                break;
            }
        }
        byte[] data = payload.toByteArray();
        return new Message(compressed, opcode, compressed ? inflate(data) : data);
    }

    private byte[] inflate(byte[] data) throws DataFormatException {
        byte[] withTail = Arrays.copyOf(data, data.length + 4);
        withTail[data.length + 2] = (byte) 0xFF;
        withTail[data.length + 3] = (byte) 0xFF;
        inflater.setInput(withTail);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        while (true) {
            int n = inflater.inflate(buf);
            o.write(buf, 0, n);
            if (n < buf.length && inflater.needsInput()) {
                return o.toByteArray();
            }
        }
    }

    @Override
    public void close() {
        deflater.end();
        inflater.end();
    }
}
