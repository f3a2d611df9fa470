package io.keel.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/** A client SSLEngine wired to a {@link FakeConnection} in memory: no sockets, no sleeps. */
final class ClientPump {
    final SSLEngine client;
    final FakeConnection server;
    private ByteBuffer netIn = ByteBuffer.allocate(0);
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean handshakeFinished;
    boolean closeNotifyReceived;
    SSLException failure;

    ClientPump(SSLEngine client, FakeConnection server) {
        this.client = client;
        this.server = server;
        client.setUseClientMode(true);
    }

    ClientPump handshake() throws Exception {
        client.beginHandshake();
        pumpUntil(() -> handshakeFinished || failure != null);
        return this;
    }

    void send(byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (src.hasRemaining()) {
            out.clear();
            client.wrap(src, out);
            all.write(out.array(), 0, out.flip().remaining());
        }
        server.receive(all.toByteArray());
    }

    /** Sends the bytes split in pieces of {@code piece} bytes (to exercise partial records). */
    void sendRecordsInPieces(byte[] data, int piece) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize() * 4);
        while (src.hasRemaining()) {
            client.wrap(src, out);
        }
        out.flip();
        while (out.hasRemaining()) {
            byte[] b = new byte[Math.min(piece, out.remaining())];
            out.get(b);
            server.receive(b);
        }
    }

    /** Moves bytes both ways until the condition holds; waits (bounded) for tasks posted by other threads. */
    void pumpUntil(BooleanSupplier done) throws Exception {
        for (int i = 0; i < 100_000 && !done.getAsBoolean(); i++) {
            boolean progress = server.runPosted(0);
            HandshakeStatus hs = client.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                for (Runnable t; (t = client.getDelegatedTask()) != null;) {
                    t.run();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP && !client.isOutboundDone()) {
                ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
                SSLEngineResult r = client.wrap(ByteBuffer.allocate(0), out);
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    handshakeFinished = true;
                }
                out.flip();
                byte[] b = new byte[out.remaining()];
                out.get(b);
                server.receive(b);
                continue;
            }
            byte[] fromServer = server.takeSent();
            if (fromServer.length > 0) {
                ByteBuffer n = ByteBuffer.allocate(netIn.remaining() + fromServer.length);
                n.put(netIn).put(fromServer).flip();
                netIn = n;
                progress = true;
            }
            while (netIn.hasRemaining() && !client.isInboundDone()) {
                ByteBuffer app = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
                SSLEngineResult r;
                try {
                    r = client.unwrap(netIn, app);
                } catch (SSLException e) {
                    failure = e;
                    return;
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    handshakeFinished = true;
                }
                progress |= r.bytesConsumed() > 0 || r.bytesProduced() > 0;
                app.flip();
                received.write(app.array(), 0, app.limit());
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    closeNotifyReceived = true;
                }
                if (r.getStatus() != SSLEngineResult.Status.OK || client.getHandshakeStatus() == HandshakeStatus.NEED_TASK
                        || client.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    break;
                }
                progress = true;
            }
            if (done.getAsBoolean()) {
                return;
            }
            if (!progress && !server.runPosted(10_000)) {
                if (!server.isOpen()) {
                    return;
                }
                throw new AssertionError("stalled: client " + client.getHandshakeStatus() + ", server sent nothing");
            }
        }
    }

    String receivedText() {
        return received.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
