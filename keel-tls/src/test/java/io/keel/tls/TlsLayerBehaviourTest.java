package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.keel.core.Connection;
import io.keel.core.SendStatus;

/** Backpressure, dropped sends, cork ownership between connections, tasks off the loop, idle memory. */
class TlsLayerBehaviourTest {

    private static ClientPump connect(TlsServerLayer layer, RecordingHandler inner, FakeConnection[] rawOut) throws Exception {
        FakeConnection raw = new FakeConnection(layer).open();
        rawOut[0] = raw;
        ClientPump client = new ClientPump(TlsServerLayerTest.clientEngine(
                TestPki.clientContext(null, TlsServerLayerTest.SS.certificate()), null, null), raw).handshake();
        client.pumpUntil(inner::opened);
        return client;
    }

    @Test
    void backpressureIsPropagatedAndOnWritablePassesThrough() throws Exception {
        List<SendStatus> statuses = new ArrayList<>();
        RecordingHandler inner = new RecordingHandler() {
            @Override
            public void onData(Connection c, ByteBuffer buf) {
                statuses.add(c.send(buf)); // corked: says what the raw connection said last
            }

            @Override
            public void onWritable(Connection c) {
                events.add("writable");
            }
        };
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection[] raw = new FakeConnection[1];
        ClientPump client = connect(layer, inner, raw);
        raw[0].nextStatus = SendStatus.BACKPRESSURE;
        // outside a callback a send goes straight through and reports the raw status
        assertThat(inner.connection.send(ByteBuffer.wrap("x".getBytes()))).isEqualTo(SendStatus.BACKPRESSURE);
        client.send("a".getBytes());
        assertThat(statuses).containsExactly(SendStatus.BACKPRESSURE);
        raw[0].nextStatus = SendStatus.SENT;
        layer.onWritable(raw[0]);
        assertThat(inner.events).contains("writable");
        client.send("b".getBytes());
        assertThat(statuses).containsExactly(SendStatus.BACKPRESSURE, SendStatus.SENT);
        // reading pause passes through
        inner.connection.pauseReading();
        assertThat(raw[0].paused).isTrue();
        assertThat(inner.connection.isReadingPaused()).isTrue();
        inner.connection.resumeReading();
        assertThat(raw[0].paused).isFalse();
    }

    @Test
    void aDroppedRecordBreaksTheStreamSoTheConnectionIsAborted() throws Exception {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection[] raw = new FakeConnection[1];
        connect(layer, inner, raw);
        raw[0].nextStatus = SendStatus.DROPPED;
        assertThat(inner.connection.send(ByteBuffer.wrap("x".getBytes()))).isEqualTo(SendStatus.DROPPED);
        assertThat(raw[0].aborted).isTrue();
        assertThat(inner.connection.send(ByteBuffer.wrap("y".getBytes()))).isEqualTo(SendStatus.DROPPED);
    }

    @Test
    void sendingToAnotherConnectionDuringACallbackKeepsEachStreamInOrder() throws Exception {
        RecordingHandler innerB = new RecordingHandler();
        innerB.echo = false;
        TlsServerLayer layerB = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), innerB);
        FakeConnection[] rawB = new FakeConnection[1];
        ClientPump clientB = connect(layerB, innerB, rawB);

        RecordingHandler innerA = new RecordingHandler() {
            @Override
            public void onData(Connection c, ByteBuffer buf) {
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                c.send(ByteBuffer.wrap("A1".getBytes()));
                innerB.connection.execute(() -> innerB.connection.send(ByteBuffer.wrap("B1".getBytes())));
                c.send(ByteBuffer.wrap("A2".getBytes()));
                innerB.connection.send(ByteBuffer.wrap("B2".getBytes()));
                c.send(ByteBuffer.wrap("A3".getBytes()));
            }
        };
        TlsServerLayer layerA = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), innerA);
        FakeConnection[] rawA = new FakeConnection[1];
        ClientPump clientA = connect(layerA, innerA, rawA);
        clientA.send("go".getBytes());
        clientA.pumpUntil(() -> clientA.receivedText().length() >= 6);
        clientB.pumpUntil(() -> clientB.receivedText().length() >= 4);
        assertThat(clientA.receivedText()).isEqualTo("A1A2A3");
        assertThat(clientB.receivedText()).isEqualTo("B1B2");
    }

    @Test
    void handshakeTasksRunOnTheExecutorNotTheLoop() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        Executor shared = TlsServerLayer.sharedExecutor();
        Executor counting = r -> {
            ran.incrementAndGet();
            shared.execute(() -> {
                synchronized (threads) {
                    threads.add(Thread.currentThread());
                }
                r.run();
            });
        };
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = TlsServerLayer.builder(TlsServerLayerTest.context(TlsProvider.JDK), inner)
                .taskExecutor(counting).build();
        FakeConnection[] raw = new FakeConnection[1];
        ClientPump client = connect(layer, inner, raw);
        client.send("ping".getBytes());
        client.pumpUntil(() -> client.receivedText().equals("ping"));
        assertThat(ran.get()).as("JSSE hands handshake work out as delegated tasks").isPositive();
        synchronized (threads) {
            assertThat(threads).allMatch(t -> t != raw[0].loop && t.getName().startsWith("keel-tls-task-"));
        }
    }

    @Test
    void anInnerHandlerExceptionReachesTheCoreAndIsNotATlsError() throws Exception {
        RecordingHandler inner = new RecordingHandler() {
            @Override
            public void onData(Connection c, ByteBuffer buf) {
                throw new IllegalStateException("boom");
            }
        };
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection[] raw = new FakeConnection[1];
        ClientPump client = connect(layer, inner, raw);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send("x".getBytes()))
                .isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(inner.events).doesNotContain("error:SSLException");
        assertThat(raw[0].open).isTrue();
        // the core would now close the connection
        raw[0].abort();
        raw[0].receive(new byte[0]);
        assertThat(inner.events).last().isEqualTo("close");
    }

    @Test
    void lifecycleCallbacksPassThroughOnceOpen() throws Exception {
        RecordingHandler inner = new RecordingHandler() {
            @Override
            public void onShutdown(Connection c) {
                events.add("shutdown");
                c.shutdownOutput();
            }
        };
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection[] raw = new FakeConnection[1];
        ClientPump client = connect(layer, inner, raw);
        layer.onShutdown(raw[0]);
        assertThat(inner.events).contains("shutdown");
        client.pumpUntil(() -> client.closeNotifyReceived);
        assertThat(client.closeNotifyReceived).as("close_notify before the FIN").isTrue();
        assertThat(raw[0].outputShut).isTrue();
        assertThat(inner.connection.send(ByteBuffer.wrap("late".getBytes()))).isEqualTo(SendStatus.DROPPED);
        layer.onIdleTimeout(raw[0]); // default: abort
        assertThat(raw[0].aborted).isTrue();
        layer.onError(raw[0], new java.io.IOException("reset"));
        assertThat(inner.events).contains("error:IOException");
    }

    @Test
    void beforeTheHandshakeTheInnerHandlerHearsNothing() {
        RecordingHandler inner = new RecordingHandler();
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection raw = new FakeConnection(layer).open();
        layer.onShutdown(raw);
        assertThat(raw.closed).isTrue();
        FakeConnection raw2 = new FakeConnection(layer).open();
        layer.onIdleTimeout(raw2);
        assertThat(raw2.aborted).isTrue();
        assertThat(layer.stats().handshakeTimeouts()).isEqualTo(1);
        layer.onClose(raw);
        layer.onClose(raw2);
        assertThat(inner.events).isEmpty();
    }

    @Test
    void aHandshakeThatFailedIsCountedOnceEvenIfItIdlesOutWhileItsAlertDrains() {
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), new RecordingHandler());
        FakeConnection raw = new FakeConnection(layer).open();
        raw.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(layer.stats().handshakeFailures()).isEqualTo(1);
        layer.onIdleTimeout(raw);
        assertThat(raw.aborted).isTrue();
        assertThat(layer.stats().handshakeFailures()).isEqualTo(1);
        assertThat(layer.stats().handshakeTimeouts()).isZero();
        layer.onClose(raw);
    }

    @Test
    void anIdleConnectionHoldsNoBuffers() throws Exception {
        RecordingHandler inner = new RecordingHandler();
        inner.linesOnly = true;
        TlsServerLayer layer = new TlsServerLayer(TlsServerLayerTest.context(TlsProvider.JDK), inner);
        FakeConnection[] raw = new FakeConnection[1];
        ClientPump client = connect(layer, inner, raw);
        TlsConnection c = (TlsConnection) inner.connection;
        client.send("partial".getBytes(StandardCharsets.UTF_8));
        assertThat(c.bufferedBytes()).as("the handler left a partial line").isEqualTo(7);
        client.send(" line\n".getBytes(StandardCharsets.UTF_8));
        client.pumpUntil(() -> client.receivedText().equals("partial line\n"));
        assertThat(c.bufferedBytes()).isZero();
        assertThat(c.holdsBuffers()).isFalse();
    }
}
