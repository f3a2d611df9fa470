package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.keel.core.Connection;

/** The layer driven in memory: a client SSLEngine against the layer on a fake raw connection. */
class TlsServerLayerTest {
    static final SelfSignedCertificate SS = SelfSignedCertificate.generate();

    @TempDir
    Path dir;

    static Stream<Arguments> providersAndProtocols() {
        return Stream.of(TlsProvider.values())
                .flatMap(p -> Stream.of("TLSv1.3", "TLSv1.2").map(v -> Arguments.of(p, v)));
    }

    static Stream<TlsProvider> providers() {
        return Stream.of(TlsProvider.values());
    }

    static SSLEngine clientEngine(SSLContext ctx, String protocol, String sni, String... alpn) {
        SSLEngine e = ctx.createSSLEngine("localhost", 8443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        if (protocol != null) {
            p.setProtocols(new String[] {protocol});
        }
        if (sni != null) {
            p.setServerNames(List.of(new SNIHostName(sni)));
        }
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        e.setSSLParameters(p);
        return e;
    }

    static TlsContext context(TlsProvider provider) {
        assumeTrue(provider.isAvailable(), provider + " not available");
        return TlsContext.builder().selfSigned(SS).provider(provider).build();
    }

    @ParameterizedTest
    @MethodSource("providersAndProtocols")
    void echoesAfterTheHandshake(TlsProvider provider, String protocol) throws Exception {
        RecordingHandler inner = new RecordingHandler();
        List<TlsHandshakeInfo> infos = new ArrayList<>();
        TlsServerLayer layer = TlsServerLayer.builder(context(provider), inner)
                .listener((c, info) -> infos.add(info)).build();
        FakeConnection raw = new FakeConnection(layer).open();
        assertThat(inner.events).isEmpty();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), protocol, null,
                "h2", "http/1.1"), raw).handshake();
        client.pumpUntil(inner::opened);

        assertThat(inner.sessionSeenInOnOpen).isTrue();
        assertThat(inner.connection.tlsSession().getProtocol()).isEqualTo(protocol);
        assertThat(infos).singleElement().satisfies(i -> {
            assertThat(i.protocol()).isEqualTo(protocol);
            assertThat(i.cipherSuite()).contains("GCM");
            assertThat(i.applicationProtocol()).isEqualTo("http/1.1");
            assertThat(i.peerCertificates()).isEmpty();
        });
        assertThat(client.client.getApplicationProtocol()).isEqualTo("http/1.1");
        assertThat(layer.stats().handshakesCompleted(protocol)).isEqualTo(1);
        assertThat(raw.timers).as("handshake timer cancelled").isEmpty();

        client.send("hello".getBytes(StandardCharsets.UTF_8));
        client.pumpUntil(() -> client.receivedText().equals("hello"));
        assertThat(client.receivedText()).isEqualTo("hello");

        // 200 KB in one go, then in 1000-byte pieces that split records anywhere
        byte[] big = new byte[200_000];
        new Random(1).nextBytes(big);
        client.received.reset();
        client.send(big);
        client.pumpUntil(() -> client.received.size() >= big.length);
        assertThat(client.received.toByteArray()).isEqualTo(big);
        client.received.reset();
        client.sendRecordsInPieces(Arrays.copyOf(big, 50_000), 1000);
        client.pumpUntil(() -> client.received.size() >= 50_000);
        assertThat(client.received.toByteArray()).isEqualTo(Arrays.copyOf(big, 50_000));
        assertThat(raw.leftoverBytes()).isZero();

        inner.connection.close();
        client.pumpUntil(() -> client.closeNotifyReceived);
        assertThat(client.closeNotifyReceived).isTrue();
        assertThat(raw.closed).isTrue();
        raw.receive(new byte[0]); // lets the fake deliver onClose
        assertThat(inner.events).last().isEqualTo("close");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void alpnIsOptionalForTheClientAndNotFatalWhenNothingMatches(TlsProvider provider) throws Exception {
        for (String[] offer : new String[][] {{}, {"h2"}}) {
            RecordingHandler inner = new RecordingHandler();
            TlsServerLayer layer = new TlsServerLayer(context(provider), inner);
            FakeConnection raw = new FakeConnection(layer).open();
            ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null,
                    offer), raw).handshake();
            client.pumpUntil(inner::opened);
            assertThat(inner.opened()).isTrue();
            assertThat(((TlsConnection) inner.connection).handshakeInfo().applicationProtocol()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sendsDuringOneCallbackBecomeOneRecord(TlsProvider provider) throws Exception {
        RecordingHandler inner = new RecordingHandler() {
            @Override
            public void onData(Connection c, ByteBuffer buf) {
                while (buf.hasRemaining()) {
                    c.send(ByteBuffer.wrap(new byte[] {buf.get()})); // one send per byte
                }
            }
        };
        TlsServerLayer layer = new TlsServerLayer(context(provider), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null), raw)
                .handshake();
        client.pumpUntil(inner::opened);
        // a first exchange: BoringSSL sends its TLS 1.3 tickets with the first write
        client.send("warm".getBytes(StandardCharsets.UTF_8));
        client.pumpUntil(() -> client.receivedText().equals("warm"));
        client.received.reset();
        int before = raw.sends.size();
        client.send("0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        List<byte[]> sent = raw.sends.subList(before, raw.sends.size());
        assertThat(sent).as("one raw send").hasSize(1);
        assertThat(recordCount(sent.get(0))).as("one TLS record").isEqualTo(1);
        client.pumpUntil(() -> client.receivedText().equals("0123456789abcdef"));
    }

    static int recordCount(byte[] b) {
        int n = 0;
        for (int i = 0; i + 5 <= b.length; n++) {
            i += 5 + ((b[i + 3] & 0xff) << 8 | (b[i + 4] & 0xff));
        }
        return n;
    }

    @Test
    void unconsumedPlaintextComesBackWithTheNextBytes() throws Exception {
        RecordingHandler inner = new RecordingHandler();
        inner.linesOnly = true;
        TlsServerLayer layer = TlsServerLayer.builder(context(TlsProvider.JDK), inner).taskExecutor(Runnable::run).build();
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null), raw)
                .handshake();
        client.pumpUntil(inner::opened);
        client.send("hel".getBytes(StandardCharsets.UTF_8));
        client.send("lo wor".getBytes(StandardCharsets.UTF_8));
        assertThat(inner.text()).isEmpty();
        client.send("ld\nnext".getBytes(StandardCharsets.UTF_8));
        assertThat(inner.text()).isEqualTo("hello world\n");
        // a line longer than one record is kept across records too
        byte[] longLine = ("x".repeat(40_000) + "\n").getBytes(StandardCharsets.UTF_8);
        client.sendRecordsInPieces(longLine, 3000);
        assertThat(inner.text()).isEqualTo("hello world\nnext" + "x".repeat(40_000) + "\n");
    }

    @Test
    void pausedReadingHoldsDataUntilResumed() throws Exception {
        RecordingHandler inner = new RecordingHandler() {
            @Override
            public void onData(Connection c, ByteBuffer buf) {
                super.onData(c, buf);
                c.pauseReading();
            }
        };
        inner.echo = false;
        TlsServerLayer layer = new TlsServerLayer(context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null), raw)
                .handshake();
        client.pumpUntil(inner::opened);
        client.send("one".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.paused).isTrue();
        client.send("two".getBytes(StandardCharsets.UTF_8));
        assertThat(inner.text()).isEqualTo("one");
        inner.connection.resumeReading();
        assertThat(inner.text()).isEqualTo("onetwo");
    }

    @Test
    void plainHttpOnTheTlsPortFailsTheHandshakeAndIsCounted() {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        raw.receive("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(raw.open).isFalse();
        assertThat(raw.closed).isTrue();
        assertThat(layer.stats().handshakeFailures()).isEqualTo(1);
        assertThat(layer.stats().handshakesCompleted()).isZero();
        assertThat(inner.events).isEmpty();
        assertThat(raw.timers).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void garbageFailsTheHandshake(TlsProvider provider) {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(context(provider), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        byte[] junk = new byte[600];
        new Random(7).nextBytes(junk);
        junk[0] = 0x16; // looks like a handshake record, then nonsense
        junk[1] = 3;
        junk[2] = 1;
        junk[3] = (byte) (595 >> 8);
        junk[4] = (byte) 595;
        raw.receive(junk);
        assertThat(raw.open).isFalse();
        assertThat(layer.stats().handshakeFailures()).isEqualTo(1);
        assertThat(inner.events).isEmpty();
    }

    @Test
    void handshakeTimeoutAbortsAndIsCounted() {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        assertThat(raw.timers).hasSize(1);
        raw.timers.get(0).run();
        assertThat(raw.aborted).isTrue();
        assertThat(layer.stats().handshakeTimeouts()).isEqualTo(1);
        assertThat(inner.events).isEmpty();
    }

    @Test
    void clientClosingBeforeTheHandshakeIsAbandoned() {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        raw.inputClosed();
        assertThat(raw.open).isFalse();
        assertThat(layer.stats().handshakesAbandoned()).isEqualTo(1);
        assertThat(inner.events).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void closeNotifyFromTheClientIsInputClosed(TlsProvider provider) throws Exception {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(context(provider), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null), raw)
                .handshake();
        client.pumpUntil(inner::opened);
        client.client.closeOutbound();
        client.pumpUntil(() -> !raw.open);
        assertThat(inner.events).containsSubsequence("open", "inputClosed", "close");
        assertThat(raw.closed).isTrue();
    }

    @ParameterizedTest
    @MethodSource("providersAndProtocols")
    void rsaCertificatesWork(TlsProvider provider, String protocol) throws Exception {
        assumeTrue(provider.isAvailable());
        TestPki.Issued ca = TestPki.ca("RSA CA");
        TestPki.Issued rsa = TestPki.leaf(ca, TestPki.rsa(), java.time.Instant.now().minusSeconds(60),
                java.time.Duration.ofDays(1), "localhost");
        Path[] f = TestPki.writePem(dir, "rsa", rsa, false);
        TlsContext ctx = TlsContext.builder().certificate(f[0], f[1]).provider(provider).build();
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(ctx, inner);
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(null, ca.cert()), protocol, null), raw)
                .handshake();
        client.pumpUntil(inner::opened);
        assertThat(client.failure).isNull();
        assertThat(inner.connection.tlsSession().getProtocol()).isEqualTo(protocol);
        if (protocol.equals("TLSv1.2")) {
            assertThat(inner.connection.tlsSession().getCipherSuite()).startsWith("TLS_ECDHE_RSA_WITH_");
        }
        assertThat(client.client.getSession().getPeerCertificates()[0]).isEqualTo(rsa.cert());
    }

    @ParameterizedTest
    @MethodSource("providersAndProtocols")
    void sniChoosesTheCertificate(TlsProvider provider, String protocol) throws Exception {
        assumeTrue(provider.isAvailable());
        TestPki.Issued ca = TestPki.ca("SNI CA");
        TestPki.Issued def = TestPki.leaf(ca, "localhost");
        TestPki.Issued b = TestPki.leaf(ca, "b.example.com");
        TestPki.Issued wild = TestPki.leaf(ca, "*.wild.test");
        Path[] fb = TestPki.writePem(dir, "b", b, true);
        TlsContext ctx = TlsContext.builder().keyAndChain(def.keys().getPrivate(), def.chain())
                .certificate(fb[0], fb[1]).keyAndChain(wild.keys().getPrivate(), wild.chain()).provider(provider).build();
        SSLContext clientCtx = TestPki.clientContext(null, ca.cert());
        assertThat(servedCertificate(ctx, clientCtx, "b.example.com", protocol)).isEqualTo(b.cert());
        assertThat(servedCertificate(ctx, clientCtx, "x.wild.test", protocol)).isEqualTo(wild.cert());
        assertThat(servedCertificate(ctx, clientCtx, "unknown.example", protocol)).isEqualTo(def.cert());
        assertThat(servedCertificate(ctx, clientCtx, null, protocol)).isEqualTo(def.cert());
    }

    static X509Certificate servedCertificate(TlsContext ctx, SSLContext clientCtx, String sni) throws Exception {
        return servedCertificate(ctx, clientCtx, sni, null);
    }

    static X509Certificate servedCertificate(TlsContext ctx, SSLContext clientCtx, String sni, String protocol)
            throws Exception {
        RecordingHandler inner = new RecordingHandler();
        List<TlsHandshakeInfo> infos = new ArrayList<>();
        TlsServerLayer layer = TlsServerLayer.builder(ctx, inner).listener((c, i) -> infos.add(i)).build();
        FakeConnection raw = new FakeConnection(layer).open();
        SSLEngine e = clientCtx.createSSLEngine(sni == null ? "localhost" : sni, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (protocol != null) {
            p.setProtocols(new String[] {protocol});
        }
        e.setSSLParameters(p);
        ClientPump client = new ClientPump(e, raw).handshake();
        client.pumpUntil(inner::opened);
        assertThat(client.failure).isNull();
        assertThat(infos).singleElement().extracting(TlsHandshakeInfo::serverName).isEqualTo(sni);
        return (X509Certificate) e.getSession().getPeerCertificates()[0];
    }

    @ParameterizedTest
    @MethodSource("providersAndProtocols")
    void verifyPeerAcceptsOnlyClientsWithACertificateFromTheCa(TlsProvider provider, String protocol) throws Exception {
        assumeTrue(provider.isAvailable());
        TestPki.Issued ca = TestPki.ca("Client CA");
        TestPki.Issued other = TestPki.ca("Other CA");
        Path caFile = TestPki.write(dir, "ca.pem", TestPki.chainPem(ca.cert()));
        TlsContext ctx = TlsContext.builder().selfSigned(SS).verifyPeer(caFile).provider(provider).build();
        assertThat(ctx.verifiesPeer()).isTrue();

        TestPki.Issued good = TestPki.leaf(ca, "alice");
        RecordingHandler inner = new RecordingHandler();
        List<TlsHandshakeInfo> infos = new ArrayList<>();
        TlsServerLayer layer = TlsServerLayer.builder(ctx, inner).listener((c, i) -> infos.add(i)).build();
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump client = new ClientPump(clientEngine(TestPki.clientContext(good, SS.certificate()), protocol, null),
                raw).handshake();
        client.pumpUntil(inner::opened);
        assertThat(infos).singleElement().satisfies(i -> assertThat(i.peerCertificate()).isEqualTo(good.cert()));

        for (TestPki.Issued bad : new TestPki.Issued[] {null, TestPki.leaf(other, "mallory")}) {
            RecordingHandler inner2 = new RecordingHandler();
            TlsServerLayer layer2 = new TlsServerLayer(ctx, inner2);
            FakeConnection raw2 = new FakeConnection(layer2).open();
            ClientPump c2 = new ClientPump(clientEngine(TestPki.clientContext(bad, SS.certificate()), protocol, null), raw2);
            c2.client.beginHandshake();
            c2.pumpUntil(() -> !raw2.open || c2.failure != null);
            c2.pumpUntil(() -> !raw2.open);
            assertThat(raw2.open).isFalse();
            assertThat(inner2.events).isEmpty();
            assertThat(layer2.stats().handshakeFailures()).isEqualTo(1);
        }
    }

    @Test
    void reloadGivesNewConnectionsTheNewCertificateWhileOldOnesContinue() throws Exception {
        TestPki.Issued ca = TestPki.ca("Reload CA");
        TestPki.Issued one = TestPki.leaf(ca, "localhost");
        Path[] f = TestPki.writePem(dir, "srv", one, true);
        TlsContext ctx = TlsContext.builder().certificate(f[0], f[1]).build();
        SSLContext clientCtx = TestPki.clientContext(null, ca.cert());
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(ctx, inner);
        FakeConnection raw = new FakeConnection(layer).open();
        ClientPump c1 = new ClientPump(clientEngine(clientCtx, null, null), raw).handshake();
        c1.pumpUntil(inner::opened);
        assertThat(c1.client.getSession().getPeerCertificates()[0]).isEqualTo(one.cert());

        TestPki.Issued two = TestPki.leaf(ca, "localhost");
        TestPki.writePem(dir, "srv", two, false);
        ctx.reload();
        assertThat(servedCertificate(ctx, clientCtx, null)).isEqualTo(two.cert());

        c1.send("still here".getBytes(StandardCharsets.UTF_8));
        c1.pumpUntil(() -> c1.receivedText().equals("still here"));
        assertThat(c1.receivedText()).isEqualTo("still here");
    }

    @Test
    void innerHandlerCanBeTheListener() throws Exception {
        class Listening extends RecordingHandler implements SecureConnectionListener {
            TlsHandshakeInfo info;

            @Override
            public void onSecureConnectionEstablished(Connection c, TlsHandshakeInfo i) {
                info = i;
                events.add("secure");
            }
        }
        Listening inner = new Listening();
        TlsServerLayer layer = new TlsServerLayer(context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        new ClientPump(clientEngine(TestPki.clientContext(null, SS.certificate()), null, null), raw).handshake()
                .pumpUntil(inner::opened);
        assertThat(inner.events).startsWith("secure", "open");
        assertThat(inner.info.protocol()).isEqualTo("TLSv1.3");
    }
}
