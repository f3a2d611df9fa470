package io.keel.core;

import static io.keel.core.TestServers.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection's own idle timeout ({@link Connection#idleTimeout(long, TimeUnit)}): the deadline a layer sets on
 * the connection's one timer node, shorter than the server's and changed from the idle callback itself (as the
 * WebSocket keep-alive does: ping interval, then pong timeout), not counted in the server's idle timeouts.
 */
@Timeout(60)
class OwnIdleTimeoutTest {
    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            closeAndCheckLeaks(server);
        }
    }

    /** Sets 100 ms on open; each idle callback writes a "tick" line and the third closes; counts the callbacks. */
    static final class Ticker implements ConnectionHandler {
        final AtomicInteger ticks = new AtomicInteger();
        final CompletableFuture<Long> ownTimeout = new CompletableFuture<>();

        @Override
        public void onOpen(Connection c) {
            c.idleTimeout(100, TimeUnit.MILLISECONDS);
            ownTimeout.complete(c.idleTimeoutNanos());
        }

        @Override
        public void onData(Connection c, ByteBuffer data) {
            data.position(data.limit());
        }

        @Override
        public void onIdleTimeout(Connection c) {
            if (ticks.incrementAndGet() == 3) {
                c.close();
            } else {
                c.send(ByteBuffer.wrap("tick\n".getBytes(StandardCharsets.US_ASCII)));
                c.idleTimeout(50 * ticks.get(), TimeUnit.MILLISECONDS); // changed from the callback itself
            }
        }
    }

    @Test
    void aConnectionsOwnTimeoutReplacesTheServersAndIsNotCountedThere() throws Exception {
        Ticker ticker = new Ticker();
        server = start(Server.builder().idleTimeout(Duration.ofSeconds(30)).handler(ticker));
        try (SocketChannel ch = connect(server)) {
            long t0 = System.nanoTime();
            // two ticks, then closed, long before the server's 30 s
            assertThat(new String(ch.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("tick\ntick\n");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(200L, 10_000L);
        }
        assertThat(ticker.ownTimeout.get(5, TimeUnit.SECONDS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(ticker.ticks.get()).isEqualTo(3);
        assertThat(server.stats().idleTimeouts()).isZero();
    }

    @Test
    void zeroTurnsTheIdleCallbackOff() throws Exception {
        AtomicInteger idle = new AtomicInteger();
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        CompletableFuture<Boolean> openAfterQuiet = new CompletableFuture<>();
        server = start(Server.builder().idleTimeout(Duration.ofMillis(100)).handler(new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                c.idleTimeout(0, TimeUnit.SECONDS);
                opened.complete(c);
                // four times the server's timeout later, on the loop's own timer: still open?
                c.schedule(() -> openAfterQuiet.complete(c.isOpen()), 400, TimeUnit.MILLISECONDS);
            }

            @Override
            public void onData(Connection c, ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onIdleTimeout(Connection c) {
                idle.incrementAndGet();
            }
        }));
        try (SocketChannel ch = connect(server)) {
            Connection c = opened.get(5, TimeUnit.SECONDS);
            assertThat(c.idleTimeoutNanos()).isZero();
            assertThatThrownBy(() -> c.idleTimeout(1, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
            assertThat(openAfterQuiet.get(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(idle.get()).isZero();
        assertThat(server.stats().idleTimeouts()).isZero();
    }
}
