package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.ClientWire.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keep-alive pings (RFC 6455 section 5.5.2, {@link KeepAlive}) on loopback with a raw client: a client that never
 * answers is closed with 1001 "pong timeout" and counted, one that answers is kept, Hixie-76 gets no ping, pings
 * stop with the close, and the server's idle timeout keeps its meaning. Short intervals; every wait is a blocking
 * read with the client's 10 s socket timeout.
 */
@Timeout(60)
@DisplayName("RFC 6455 §5.5.2 keep-alive pings")
class KeepAlivePingTest {
    private static final int OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xA;
    private final RecordingEchoApp app = new RecordingEchoApp();
    private final List<RawClient> clients = new ArrayList<>();
    private Server server;
    private WebSocketProtocolHandler handler;

    private void start(Duration serverIdle, Duration pingInterval, Duration pongTimeout) {
        handler = WebSocketProtocolHandler.builder(app).pingInterval(pingInterval).pongTimeout(pongTimeout).build();
        server = TestServers.start(Server.builder().ioThreads(1).idleTimeout(serverIdle).handler(handler));
    }

    private RawClient client() throws Exception {
        RawClient c = new RawClient(server.localAddress());
        clients.add(c);
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        if (server != null) {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void aClientThatNeverAnswersIsClosedWith1001AfterIntervalPlusPongTimeoutAndCounted() throws Exception {
        start(Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(200));
        RawClient c = client();
        c.upgrade(13);
        long t0 = System.nanoTime();
        Frame ping = c.readFrame();
        assertThat(ping.opcode()).isEqualTo(OP_PING);
        assertThat(ping.payload()).isEmpty();
        Frame close = c.readFrame();
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(close.opcode()).isEqualTo(OP_CLOSE);
        assertThat(close.closeCode()).isEqualTo(1001);
        assertThat(new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8))
            .isEqualTo("pong timeout");
        assertThat(elapsedMs).isBetween(350L, 10_000L); // interval + pong timeout, less the 10 ms timer tick
        c.sendClose(1001);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1001);
        assertThat(handler.stats().pongTimeouts()).isEqualTo(1);
        assertThat(handler.stats().keepAlivePings()).isEqualTo(1);
        assertThat(server.stats().idleTimeouts()).isZero(); // the layer's own timeout, counted by the layer
    }

    @Test
    void clientsThatAnswerAreKeptAndStillEcho() throws Exception {
        start(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(1000));
        List<RawClient> answering = new ArrayList<>();
        for (int version : new int[] {13, 8, 7}) {
            RawClient c = client();
            c.upgrade(version);
            answering.add(c);
        }
        for (int round = 0; round < 12; round++) { // 12 rounds of 100 ms: past interval + pong timeout
            for (RawClient c : answering) { // in turn: each waits at most a round for its answer
                Frame ping = c.readFrame();
                assertThat(ping.opcode()).isEqualTo(OP_PING);
                c.sendFrame(true, OP_PONG, ping.payload(), true);
            }
        }
        for (RawClient c : answering) {
            c.sendText("still here");
            Frame echo = c.readFrame();
            for (int i = 0; i < 10 && echo.opcode() == OP_PING; i++) { // a ping may come first
                c.sendFrame(true, OP_PONG, echo.payload(), true);
                echo = c.readFrame();
            }
            assertThat(echo.text()).isEqualTo("still here");
        }
        assertThat(handler.stats().pongTimeouts()).isZero();
        assertThat(handler.stats().keepAlivePings()).isGreaterThanOrEqualTo(36);
        assertThat(handler.stats().open()).isEqualTo(3);
    }

    @Test
    void anyFrameFromTheClientCountsAsAnAnswer() throws Exception {
        start(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(150));
        RawClient c = client();
        c.upgrade(13);
        for (int i = 0; i < 3; i++) {
            assertThat(c.readFrame().opcode()).isEqualTo(OP_PING);
            c.sendText("instead of a pong " + i); // not a pong, but proof of life
            assertThat(c.readFrame().text()).isEqualTo("instead of a pong " + i);
        }
        assertThat(handler.stats().pongTimeouts()).isZero();
    }

    @Test
    void hixie76GetsNoPingOnlyTheIdleTimeout() throws Exception {
        start(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(100));
        RawClient c = client();
        long t0 = System.nanoTime();
        c.upgradeAny(76);
        // the first bytes after the handshake are Hixie-76's close (0xFF 0x00) at the idle timeout: no ping between
        assertThat(c.read(2)).containsExactly(0xFF, 0x00);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(450L, 10_000L);
        assertThat(handler.stats().keepAlivePings()).isZero();
        assertThat(server.stats().idleTimeouts()).isEqualTo(1);
    }

    @Test
    void pingsStopWithTheClose() throws Exception {
        start(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(1000));
        RawClient c = client();
        c.upgrade(13);
        Frame ping = c.readFrame();
        assertThat(ping.opcode()).isEqualTo(OP_PING);
        c.sendClose(1000);
        // after our close, the close reply and the end of the connection: no ping in between
        Frame reply = c.readFrame();
        assertThat(reply.opcode()).isEqualTo(OP_CLOSE);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1000);
        assertThat(handler.stats().keepAlivePings()).isEqualTo(1);
        assertThat(handler.stats().pongTimeouts()).isZero();
    }

    @Test
    void theServersIdleTimeoutStillClosesAWebSocketWithNoMessagesThoughItAnswersPings() throws Exception {
        start(Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofMillis(1000));
        RawClient c = client();
        c.upgrade(13);
        long t0 = System.nanoTime();
        int pings = 0;
        Frame f = c.readFrame();
        for (; f.opcode() == OP_PING && pings < 50; f = c.readFrame()) {
            pings++;
            c.sendFrame(true, OP_PONG, f.payload(), true); // pongs are not messages: they do not reset idleness
        }
        assertThat(f.closeCode()).isEqualTo(1001);
        assertThat(new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8)).isEqualTo("idle timeout");
        assertThat(pings).isEqualTo(2); // pinged at 100 and 200 ms, closed at the third quiet interval (300 ms)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 10_000L);
        assertThat(handler.stats().pongTimeouts()).isZero();
    }

    @Test
    void anIdleTimeoutNoLongerThanTheIntervalLeavesPingsOff() throws Exception {
        start(Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(100));
        RawClient c = client();
        c.upgrade(13);
        Frame f = c.readFrame();
        assertThat(f.opcode()).isEqualTo(OP_CLOSE);
        assertThat(f.closeCode()).isEqualTo(1001);
        assertThat(handler.stats().keepAlivePings()).isZero();
    }

    @Test
    void badSettingsAreRefused() {
        WebSocketProtocolHandler.Builder b = WebSocketProtocolHandler.builder(app);
        assertThatThrownBy(() -> b.pingInterval(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ping interval");
        assertThatThrownBy(() -> b.pongTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pong timeout");
    }
}
