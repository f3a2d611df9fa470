package io.keel.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Lets the JIT compile the TLS handshake before the first clients come, by running full handshakes between server
 * engines of a {@link TlsContext} and an in-memory JDK client: no sockets, and no server sees or counts them.
 *
 * <p>Why: until the JIT has seen about a thousand handshakes, the JDK provider's handshake code (the
 * {@code sun.security.ssl} state machine, key exchange, signatures) runs interpreted. Measured here (one core,
 * a new client every 50 ms, nothing else running), the time to a new client's first echo was, p50 / p99: 12 / 24
 * ms cold; 6-8 / 14-16 ms after 1,000-5,000 in-memory handshakes; 3 / 9 ms after about 1,000 real clients. The
 * in-memory client does not take every path real clients do (their ClientHello extensions, Keel's own socket and
 * WebSocket code), so it gets about half of the way. It costs about 6 ms of CPU per handshake while cold (the
 * client's half included), so it is off unless asked for ({@code keel-echo --tls-warm-up N}). The OPENSSL
 * provider's handshake is native code: it gains nothing measurable.
 */
public final class TlsWarmUp {
    private static final byte[] PING = "warm-up".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private TlsWarmUp() {
    }

    /**
     * Runs handshakes on the calling thread until {@code handshakes} have completed or {@code budget} has passed.
     * Each one also carries one application record from client to server, so the record path is warmed too; run
     * it on a background thread while the server already serves.
     *
     * @param context the context whose engines are warmed (its current certificates, protocols and suites)
     * @param handshakes the most handshakes to run, {@code >= 0}
     * @param budget the most time to spend, not negative
     * @return how many handshakes completed; 0 when {@code context} {@link TlsContext#verifiesPeer() verifies
     *     peers} (the in-memory client has no certificate to present)
     * @throws IllegalArgumentException when {@code handshakes} or {@code budget} is negative
     * @throws SSLException when a handshake fails or does not complete (nothing is changed; stop warming)
     * @throws GeneralSecurityException when the JDK has no TLS client to run against
     */
    public static int run(TlsContext context, int handshakes, Duration budget)
            throws SSLException, GeneralSecurityException {
        if (handshakes < 0 || budget.isNegative()) {
            throw new IllegalArgumentException("a warm-up needs handshakes >= 0 and a budget >= 0, not " + handshakes
                    + " and " + budget);
        }
        if (context.verifiesPeer() || handshakes == 0) {
            return 0;
        }
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, new TrustManager[] {TRUST_ANY}, new SecureRandom());
        long deadline = System.nanoTime() + budget.toNanos();
        int done = 0;
        while (done < handshakes && System.nanoTime() - deadline < 0) {
            SSLEngine server = context.newEngine();
            try {
                SSLEngine c = client.createSSLEngine("localhost", 443);
                c.setUseClientMode(true);
                handshake(c, server);
            } finally {
                context.release(server);
            }
            done++;
        }
        return done;
    }

    /** Both engines take turns until the server has decrypted the client's first application record. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        int net = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int app = Math.max(client.getSession().getApplicationBufferSize(),
                server.getSession().getApplicationBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(4 * net);
        ByteBuffer toClient = ByteBuffer.allocate(4 * net);
        ByteBuffer clientApp = ByteBuffer.allocate(app);
        ByteBuffer serverApp = ByteBuffer.allocate(app);
        ByteBuffer ping = ByteBuffer.wrap(PING);
        client.beginHandshake();
        server.beginHandshake();
        for (int turn = 0; turn < 32; turn++) {
            boolean open = client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
            turn(client, open ? ping : NOTHING, toServer, toClient, clientApp);
            turn(server, NOTHING, toClient, toServer, serverApp);
            if (serverApp.position() > 0) {
                return;
            }
        }
        throw new SSLException("a warm-up handshake did not complete in 32 turns (client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus() + ")");
    }

    /** One engine's turn: runs its tasks, wraps what it wants to send into {@code out}, unwraps what {@code in} holds. */
    private static void turn(SSLEngine e, ByteBuffer src, ByteBuffer out, ByteBuffer in, ByteBuffer app)
            throws SSLException {
        for (int step = 0; step < 16; step++) {
            HandshakeStatus hs = e.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                for (Runnable t; (t = e.getDelegatedTask()) != null;) {
                    t.run();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP || src.hasRemaining()) {
                SSLEngineResult r = e.wrap(src, out);
                if (r.bytesProduced() > 0 || r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    continue;
                }
            }
            in.flip();
            SSLEngineResult r = e.unwrap(in, app);
            in.compact();
            HandshakeStatus after = r.getHandshakeStatus();
            if (r.bytesConsumed() == 0 && after != HandshakeStatus.NEED_TASK && after != HandshakeStatus.NEED_WRAP) {
                return;
            }
        }
    }

    /** The in-memory client talks only to the server engine next to it: there is nothing to verify. */
    private static final X509TrustManager TRUST_ANY = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // never a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // the peer is our own engine, in this process
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };
}
