package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Session resumption (TLS 1.3 tickets, TLS 1.2 ids/tickets) and renegotiation refusal, in memory. */
class TlsResumptionTest {

    @ParameterizedTest
    @MethodSource("io.keel.tls.TlsServerLayerTest#providersAndProtocols")
    void secondConnectionResumesTheSession(TlsProvider provider, String protocol) throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(provider);
        SSLContext clientCtx = TestPki.clientContext(null, TlsServerLayerTest.SS.certificate());
        SSLSession first = connect(ctx, clientCtx, protocol, true);
        SSLSession second = connect(ctx, clientCtx, protocol, false);
        assertThat(second.getCreationTime()).as("resumed: same session creation time").isEqualTo(first.getCreationTime());
    }

    /** Handshake, exchange data (so TLS 1.3 tickets are received), return the client's session. */
    static SSLSession connect(TlsContext ctx, SSLContext clientCtx, String protocol, boolean waitTicket) throws Exception {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(ctx, inner);
        FakeConnection raw = new FakeConnection(layer).open();
        SSLEngine e = TlsServerLayerTest.clientEngine(clientCtx, protocol, null);
        ClientPump client = new ClientPump(e, raw).handshake();
        client.pumpUntil(inner::opened);
        client.send("x".getBytes(StandardCharsets.UTF_8));
        client.pumpUntil(() -> client.receivedText().equals("x"));
        return e.getSession();
    }

    @ParameterizedTest
    @MethodSource("io.keel.tls.TlsServerLayerTest#providers")
    void clientInitiatedRenegotiationIsRefused(TlsProvider provider) throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(provider);
        SSLContext clientCtx = TestPki.clientContext(null, TlsServerLayerTest.SS.certificate());
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(ctx, inner);
        FakeConnection raw = new FakeConnection(layer).open();
        SSLEngine e = TlsServerLayerTest.clientEngine(clientCtx, "TLSv1.2", null);
        ClientPump client = new ClientPump(e, raw).handshake();
        client.pumpUntil(inner::opened);
        assumeTrue(inner.opened());
        e.beginHandshake(); // renegotiate
        client.pumpUntil(() -> !raw.open || client.failure != null);
        client.pumpUntil(() -> !raw.open);
        assertThat(raw.open).as("server closed the connection").isFalse();
    }
}
