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

    /**
     * TLS 1.3 session tickets go out as soon as the client's Finished is read, before anything else is written.
     * BoringSSL holds them until the first application write; a WebSocket server writes nothing before the client's
     * upgrade request, so the client's Finished went unanswered and a client with Nagle's algorithm on waited for the
     * server's delayed ACK (40 ms) before sending that request. The session then resumes, though the first connection
     * never carried data.
     */
    @ParameterizedTest
    @MethodSource("io.keel.tls.TlsServerLayerTest#providers")
    void tls13TicketsAnswerTheClientsFinishedAtOnce(TlsProvider provider) throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(provider);
        SSLContext clientCtx = TestPki.clientContext(null, TlsServerLayerTest.SS.certificate());
        RecordingHandler inner = new RecordingHandler();
        FakeConnection raw = new FakeConnection(new TlsServerLayer(ctx, inner)).open();
        SSLEngine e = TlsServerLayerTest.clientEngine(clientCtx, "TLSv1.3", null);
        ClientPump client = new ClientPump(e, raw).handshake();
        assertThat(inner.opened()).isTrue();
        // the client read the server's whole flight before it wrote its Finished: what waits now came after
        byte[] afterFinished = raw.unread.toByteArray();
        assertThat(afterFinished).as("NewSessionTicket records, before the server has anything to write").isNotEmpty();
        assertThat(afterFinished[0]).as("TLS 1.3 hides them in application_data records").isEqualTo((byte) 23);
        assertThat(inner.data.size()).isZero();
        client.pumpUntil(() -> raw.unread.size() == 0);

        RecordingHandler again = new RecordingHandler();
        FakeConnection raw2 = new FakeConnection(new TlsServerLayer(ctx, again)).open();
        SSLEngine e2 = TlsServerLayerTest.clientEngine(clientCtx, "TLSv1.3", null);
        new ClientPump(e2, raw2).handshake();
        assertThat(e2.getSession().getCreationTime()).as("resumed with a ticket of the first connection")
                .isEqualTo(e.getSession().getCreationTime());
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
