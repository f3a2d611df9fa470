package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.Server;

/** The layer on the real core: JDK SSLSocket and openssl s_client clients over loopback. */
class TlsLoopbackTest {
    static final SelfSignedCertificate SS = TlsServerLayerTest.SS;

    @TempDir
    Path dir;

    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(io.keel.core.TestServers::closeAndCheckLeaks);
    }

    /** Echoes; closes after echoing anything that contains "bye". */
    static final class Echo implements ConnectionHandler {
        @Override
        public void onData(Connection c, ByteBuffer data) {
            boolean bye = StandardCharsets.ISO_8859_1.decode(data.duplicate()).toString().contains("bye");
            c.send(data);
            data.position(data.limit());
            if (bye) {
                c.close();
            }
        }
    }

    private Server start(ConnectionHandler handler) throws Exception {
        Server s = Server.builder().bind("127.0.0.1", 0).ioThreads(1).handler(handler).build().start();
        servers.add(s);
        return s;
    }

    private static SSLSocket connect(SSLContext ctx, int port, String protocol, String sni) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        SSLParameters p = s.getSSLParameters();
        if (protocol != null) {
            p.setProtocols(new String[] {protocol});
        }
        if (sni != null) {
            p.setServerNames(List.of(new SNIHostName(sni)));
        }
        s.setSSLParameters(p);
        return s;
    }

    private static byte[] echo(Socket s, byte[] payload) throws Exception {
        OutputStream out = s.getOutputStream();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        byte[] back = s.getInputStream().readNBytes(payload.length);
        writer.get(20, TimeUnit.SECONDS);
        return back;
    }

    @ParameterizedTest
    @MethodSource("io.keel.tls.TlsServerLayerTest#providersAndProtocols")
    void sslSocketEcho(TlsProvider provider, String protocol) throws Exception {
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(provider), new Echo());
        Server server = start(layer);
        try (SSLSocket s = connect(TestPki.clientContext(null, SS.certificate()), server.port(), protocol, null)) {
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
            assertThat(echo(s, "hello".getBytes())).isEqualTo("hello".getBytes());
            byte[] big = new byte[1 << 20];
            new Random(3).nextBytes(big);
            assertThat(echo(s, big)).isEqualTo(big);
            s.getOutputStream().write("bye".getBytes());
            assertThat(s.getInputStream().readNBytes(3)).isEqualTo("bye".getBytes());
            assertThat(s.getInputStream().read()).as("close_notify then EOF").isEqualTo(-1);
        }
        assertThat(layer.stats().handshakesCompleted(protocol)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void manyConcurrentClientsOnTwoLoops(TlsProvider provider) throws Exception {
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(provider), new Echo());
        Server server = Server.builder().bind("127.0.0.1", 0).ioThreads(2).handler(layer).build().start();
        servers.add(server);
        SSLContext client = TestPki.clientContext(null, SS.certificate());
        int n = 64;
        List<CompletableFuture<byte[]>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < n; i++) {
                byte[] payload = new byte[20_000 + i * 100];
                new Random(i).nextBytes(payload);
                results.add(CompletableFuture.supplyAsync(() -> {
                    try (SSLSocket s = connect(client, server.port(), null, null)) {
                        byte[] back = echo(s, payload);
                        return java.util.Arrays.equals(back, payload) ? back : null;
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool));
            }
            for (CompletableFuture<byte[]> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isNotNull();
            }
        }
        assertThat(layer.stats().handshakesCompleted()).isEqualTo(n);
        assertThat(layer.stats().handshakeFailures()).isZero();
    }

    @Test
    void anInnerHandlerExceptionClosesTheConnection() throws Exception {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        ConnectionHandler failing = new ConnectionHandler() {
            @Override
            public void onData(Connection c, ByteBuffer data) {
                throw new IllegalStateException("handler bug (expected by the test)");
            }

            @Override
            public void onClose(Connection c) {
                closed.countDown();
            }
        };
        Server server = start(new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), failing));
        try (SSLSocket s = connect(TestPki.clientContext(null, SS.certificate()), server.port(), null, null)) {
            s.getOutputStream().write("x".getBytes());
            s.getOutputStream().flush();
            assertThat(closed.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(readToEof(s.getInputStream())).isEmpty();
        } catch (SSLException e) {
            // also fine: the server went away without close_notify
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void plainHttpAndGarbageAreRefusedAndCounted(TlsProvider provider) throws Exception {
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(provider), new Echo());
        Server server = start(layer);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes());
            byte[] reply = readToEof(s.getInputStream());
            assertThat(reply.length).as("at most an alert, no HTTP").isLessThan(64);
            if (reply.length > 0) {
                assertThat(reply[0]).as("TLS alert record").isEqualTo((byte) 0x15);
            }
        }
        assertThat(layer.stats().handshakeFailures()).isEqualTo(1);
        assertThat(layer.stats().handshakesCompleted()).isZero();
    }

    private static byte[] readToEof(InputStream in) throws IOException {
        try {
            return in.readAllBytes();
        } catch (java.net.SocketException e) { // reset
            return new byte[0];
        }
    }

    @Test
    void silentClientsHitTheHandshakeTimeout() throws Exception {
        TlsServerLayer layer = TlsServerLayer.builder(TlsServerLayerTest.context(TlsProvider.JDK), new Echo())
                .handshakeTimeout(Duration.ofMillis(300)).build();
        Server server = start(layer);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            assertThat(readToEof(s.getInputStream())).isEmpty();
        }
        assertThat(layer.stats().handshakeTimeouts()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void verifyPeer(TlsProvider provider) throws Exception {
        assumeTrue(provider.isAvailable());
        TestPki.Issued ca = TestPki.ca("Client CA");
        Path caFile = TestPki.write(dir, "ca.pem", TestPki.chainPem(ca.cert()));
        TlsContext ctx = TlsContext.builder().selfSigned(SS).verifyPeer(caFile).provider(provider).build();
        List<X509Certificate> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        TlsServerLayer layer = TlsServerLayer.builder(ctx, new Echo())
                .listener((c, info) -> seen.add(info.peerCertificate())).build();
        Server server = start(layer);
        TestPki.Issued alice = TestPki.leaf(ca, "alice");
        try (SSLSocket s = connect(TestPki.clientContext(alice, SS.certificate()), server.port(), null, null)) {
            assertThat(echo(s, "hi".getBytes())).isEqualTo("hi".getBytes());
        }
        assertThat(seen).containsExactly(alice.cert());
        for (TestPki.Issued bad : new TestPki.Issued[] {null, TestPki.leaf(TestPki.ca("Other"), "mallory")}) {
            try (SSLSocket s = connect(TestPki.clientContext(bad, SS.certificate()), server.port(), null, null)) {
                assertThatThrownBy(() -> {
                    s.startHandshake();
                    s.getOutputStream().write("hi".getBytes());
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() == -1) {
                        throw new SSLException("closed");
                    }
                }).isInstanceOf(IOException.class);
            }
        }
        assertThat(layer.stats().handshakeFailures()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sniAndReload(TlsProvider provider) throws Exception {
        assumeTrue(provider.isAvailable());
        TestPki.Issued ca = TestPki.ca("CA");
        TestPki.Issued def = TestPki.leaf(ca, "localhost");
        TestPki.Issued b = TestPki.leaf(ca, "b.example.com");
        Path[] fd = TestPki.writePem(dir, "def", def, true);
        Path[] fb = TestPki.writePem(dir, "b", b, false);
        TlsContext ctx = TlsContext.builder().certificate(fd[0], fd[1]).certificate(fb[0], fb[1]).provider(provider).build();
        Server server = start(new TlsServerLayer(ctx, new Echo()));
        // separate client contexts: a client reusing its session for another name would resume the first one
        try (SSLSocket s1 = connect(TestPki.clientContext(null, ca.cert()), server.port(), null, "b.example.com");
                SSLSocket s2 = connect(TestPki.clientContext(null, ca.cert()), server.port(), null, null)) {
            s1.startHandshake();
            s2.startHandshake();
            assertThat(s1.getSession().getPeerCertificates()[0]).isEqualTo(b.cert());
            assertThat(s2.getSession().getPeerCertificates()[0]).isEqualTo(def.cert());

            TestPki.Issued def2 = TestPki.leaf(ca, "localhost");
            TestPki.writePem(dir, "def", def2, false);
            ctx.reload();
            SSLContext fresh = TestPki.clientContext(null, ca.cert()); // no cached session
            try (SSLSocket s3 = connect(fresh, server.port(), null, null)) {
                s3.startHandshake();
                assertThat(s3.getSession().getPeerCertificates()[0]).isEqualTo(def2.cert());
            }
            assertThat(echo(s2, "old one still works".getBytes())).isEqualTo("old one still works".getBytes());
        }
    }

    // ------------------------------------------------------------------------------------------------ openssl

    private static String sClient(int port, Path caFile, String input, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", caFile.toString(), "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return "exit=" + p.exitValue() + "\n" + out;
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void opensslClientVersions(TlsProvider provider) throws Exception {
        assumeTrue(TlsContextTest.Openssl.available(), "openssl not installed");
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(provider), new Echo());
        Server server = start(layer);
        Path ca = TestPki.write(dir, "ss.pem", SS.certificatePem());

        String v13 = sClient(server.port(), ca, "ping bye\n", "-tls1_3");
        assertThat(v13).startsWith("exit=0").contains("TLSv1.3").contains("ping bye").contains("Verify return code: 0 (ok)");
        String v12 = sClient(server.port(), ca, "ping bye\n", "-tls1_2");
        assertThat(v12).startsWith("exit=0").contains("TLSv1.2").contains("ping bye").contains("ECDHE");
        String v11 = sClient(server.port(), ca, "ping bye\n", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(v11).doesNotStartWith("exit=0").doesNotContain("ping bye");
        String cbc = sClient(server.port(), ca, "ping bye\n", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA");
        assertThat(cbc).as("no CBC suites").doesNotStartWith("exit=0");
        assertThat(layer.stats().handshakesCompleted("TLSv1.3")).isEqualTo(1);
        assertThat(layer.stats().handshakesCompleted("TLSv1.2")).isEqualTo(1);
        assertThat(layer.stats().handshakeFailures()).isEqualTo(2);

        String alpn = sClient(server.port(), ca, "bye\n", "-alpn", "h2,http/1.1");
        assertThat(alpn).contains("ALPN protocol: http/1.1");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void opensslResumesTls13Sessions(TlsProvider provider) throws Exception {
        assumeTrue(TlsContextTest.Openssl.available(), "openssl not installed");
        Server server = start(new TlsServerLayer(TlsServerLayerTest.context(provider), new Echo()));
        Path ca = TestPki.write(dir, "ss.pem", SS.certificatePem());
        Path sess = dir.resolve("sess.pem");
        String first = sClient(server.port(), ca, "one bye\n", "-tls1_3", "-sess_out", sess.toString());
        assertThat(first).startsWith("exit=0").contains("New, TLSv1.3");
        String second = sClient(server.port(), ca, "two bye\n", "-tls1_3", "-sess_in", sess.toString());
        assertThat(second).startsWith("exit=0").contains("Reused, TLSv1.3").contains("two bye");
    }
}
