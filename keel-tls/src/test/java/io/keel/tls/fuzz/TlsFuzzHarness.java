package io.keel.tls.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.tls.FakeConnection;
import io.keel.tls.SelfSignedCertificate;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsProvider;
import io.keel.tls.TlsServerLayer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Drives a {@link TlsServerLayer} over a {@link FakeConnection} with a JDK client engine in memory, deterministically
 * (handshake tasks are queued and run by the harness on the "loop" thread), and checks after every read:
 * no exception escapes {@code onData}; a failed connection is never left open; the inner handler's events are
 * well-formed (open at most once and only after a handshake, data only while open, close exactly once after the
 * raw close, nothing after); the handshake timer is cancelled once the connection is closed; the per-thread scratch
 * buffers are released (not left marked in use).
 */
final class TlsFuzzHarness {
    static final SelfSignedCertificate SS = SelfSignedCertificate.generate();
    private static final TlsContext JDK = TlsContext.builder().selfSigned(SS).provider(TlsProvider.JDK).build();
    private static final SSLContext CLIENT = clientContext();

    final Queue<Runnable> tasks = new ArrayDeque<>();
    final Inner inner = new Inner();
    final TlsServerLayer layer = TlsServerLayer.builder(JDK, inner).taskExecutor(tasks::add)
            .handshakeTimeout(Duration.ofSeconds(10)).build();
    final FakeConnection raw = new FakeConnection(layer);
    SSLEngine client;
    private ByteBuffer clientIn = ByteBuffer.allocate(0);
    final ByteArrayOutputStream clientReceived = new ByteArrayOutputStream();

    static final class Inner implements ConnectionHandler {
        final List<String> events = new ArrayList<>();
        boolean open;
        boolean closed;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();

        @Override
        public void onOpen(Connection c) {
            assertThat(open || closed).as("inner onOpen once").isFalse();
            open = true;
            events.add("open");
        }

        @Override
        public void onData(Connection c, ByteBuffer buf) {
            assertThat(open && !closed).as("data only while open").isTrue();
            byte[] b = new byte[buf.remaining()];
            buf.get(b);
            data.writeBytes(b);
            events.add("data");
            c.send(ByteBuffer.wrap(b)); // echo
        }

        @Override
        public void onInputClosed(Connection c) {
            assertThat(open && !closed).isTrue();
            events.add("inputClosed");
            c.close();
        }

        @Override
        public void onError(Connection c, IOException e) {
            assertThat(open && !closed).as("error only while open").isTrue();
            events.add("error");
        }

        @Override
        public void onClose(Connection c) {
            assertThat(open).as("close only after open").isTrue();
            assertThat(closed).as("close once").isFalse();
            closed = true;
            events.add("close");
        }
    }

    TlsFuzzHarness() {
        raw.open();
        assertThat(raw.isOpen()).isTrue();
    }

    /** Bytes from the network in one read: must not throw, then the invariants must hold. */
    void receive(byte[] b) {
        raw.receive(b);
        runTasks();
        check();
    }

    /** Bytes split into reads of random sizes. */
    void receiveSplit(byte[] data, Random rnd) {
        int p = 0;
        while (p < data.length) {
            int n = Math.min(data.length - p, rnd.nextBoolean() ? 1 + rnd.nextInt(8) : 1 + rnd.nextInt(2000));
            byte[] piece = new byte[n];
            System.arraycopy(data, p, piece, 0, n);
            receive(piece);
            p += n;
        }
    }

    void inputClosed() {
        raw.inputClosed();
        runTasks();
        check();
    }

    private void runTasks() {
        for (Runnable t; (t = tasks.poll()) != null;) {
            t.run();
        }
        try {
            raw.runPosted(0);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        raw.finishClose(); // a task that ran on this "loop" thread may have closed the connection: as the core would

    }

    void check() {
        Object tls = raw.attachment();
        if (tls != null && failed(tls)) {
            assertThat(raw.isOpen()).as("a failed TLS connection is not left open").isFalse();
        }
        if (!raw.isOpen()) {
            assertThat(raw.closeCallbackDone).isTrue();
            assertThat(raw.timers).as("handshake timer cancelled after close").isEmpty();
            if (inner.open) {
                assertThat(inner.closed).as("inner closed after the raw close").isTrue();
            }
        }
        if (inner.open) {
            assertThat(layer.stats().handshakesCompleted()).isEqualTo(1);
        }
        assertThat(layer.stats().handshakeFailures() + layer.stats().handshakesCompleted()).isLessThanOrEqualTo(1);
        assertScratchReleased();
    }

    // ------------------------------------------------------------------------------------------ client side

    /** Performs a real handshake with a JDK client (TLSv1.3 or 1.2). */
    void handshake(String protocol) throws SSLException {
        client = CLIENT.createSSLEngine("localhost", 8443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setProtocols(new String[] {protocol});
        client.setSSLParameters(p);
        client.beginHandshake();
        pump(() -> inner.open);
        assertThat(inner.open).as("handshake completed").isTrue();
    }

    /** Client-encrypted records for {@code plain}. */
    byte[] records(byte[] plain) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(plain);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        do {
            out.clear();
            client.wrap(src, out);
            all.write(out.array(), 0, out.flip().remaining());
        } while (src.hasRemaining());
        return all.toByteArray();
    }

    /** A client close_notify record. */
    byte[] closeNotify() throws SSLException {
        client.closeOutbound();
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    /** Moves bytes both ways until the condition holds or nothing moves. */
    void pump(java.util.function.BooleanSupplier done) throws SSLException {
        for (int i = 0; i < 1000 && !done.getAsBoolean() && raw.isOpen(); i++) {
            HandshakeStatus hs = client.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                for (Runnable t; (t = client.getDelegatedTask()) != null;) {
                    t.run();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP && !client.isOutboundDone()) {
                ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
                client.wrap(ByteBuffer.allocate(0), out);
                out.flip();
                byte[] b = new byte[out.remaining()];
                out.get(b);
                receive(b);
                continue;
            }
            byte[] fromServer = raw.takeSent();
            boolean progress = fromServer.length > 0;
            if (progress) {
                clientIn = ByteBuffer.allocate(clientIn.remaining() + fromServer.length).put(clientIn).put(fromServer).flip();
            }
            while (clientIn.hasRemaining() && !client.isInboundDone()) {
                ByteBuffer app = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
                SSLEngineResult r = client.unwrap(clientIn, app);
                app.flip();
                clientReceived.write(app.array(), 0, app.limit());
                progress |= r.bytesConsumed() > 0;
                if (r.getStatus() != SSLEngineResult.Status.OK || client.getHandshakeStatus() == HandshakeStatus.NEED_TASK
                        || client.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    break;
                }
            }
            if (!progress && client.getHandshakeStatus() != HandshakeStatus.NEED_TASK
                    && client.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ reflection

    private static boolean bool(Object o, String field) {
        try {
            Field f = o.getClass().getDeclaredField(field);
            f.setAccessible(true);
            return f.getBoolean(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** True once the connection failed (its phase FAILED, or CLOSED after it: the phase only moves forward). */
    private static boolean failed(Object tls) {
        try {
            Field f = Class.forName("io.keel.tls.TlsNetworkSide").getDeclaredField("phase");
            f.setAccessible(true);
            String phase = ((Enum<?>) f.get(tls)).name();
            return phase.equals("FAILED") || phase.equals("CLOSED");
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** TlsScratch's per-thread (heap) scratch buffers must not stay marked in use after a callback returns. */
    private static void assertScratchReleased() {
        try {
            Class<?> c = Class.forName("io.keel.tls.TlsScratch");
            Field f = c.getDeclaredField("HEAP");
            f.setAccessible(true);
            Object scratch = ((ThreadLocal<?>) f.get(null)).get();
            assertThat(bool(scratch, "appInUse")).as("scratch app buffer released").isFalse();
            assertThat(bool(scratch, "netInUse")).as("scratch net buffer released").isFalse();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static SSLContext clientContext() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("server", SS.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
