package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris: 2,000 connections each trickling its upgrade request one byte per second. Every one must be
 * closed at the handshake timeout (2 s here), counted as a handshake timeout, while a well-behaved client on the
 * same server keeps getting its echoes promptly.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowlorisTest {
    static final int CONNECTIONS = 2_000;
    static final long TIMEOUT_MS = 2_000;

    private static final class Slow {
        final SocketChannel ch;
        final long openedNanos;
        long closedNanos;
        int sent;

        Slow(SocketChannel ch) {
            this.ch = ch;
            this.openedNanos = System.nanoTime();
        }
    }

    @Test
    void trickledHandshakesAreAllClosedAtTheHandshakeTimeout() throws Exception {
        try (Rig rig = Rig.plain(w -> w.handshakeTimeout(Duration.ofMillis(TIMEOUT_MS)), s -> s)) {
            GoodClient good = GoodClient.start(rig);
            byte[] request = Wire.hybiRequest(13).getBytes(StandardCharsets.ISO_8859_1);
            List<Slow> slow = new ArrayList<>(CONNECTIONS);
            try {
                // one thread drives all of them with non-blocking sockets: open, then one byte a second each
                for (int i = 0; i < CONNECTIONS; i++) {
                    SocketChannel ch = SocketChannel.open(rig.address());
                    ch.configureBlocking(false);
                    Slow s = new Slow(ch);
                    ch.write(ByteBuffer.wrap(request, 0, 1));
                    s.sent = 1;
                    slow.add(s);
                }
                ByteBuffer sink = ByteBuffer.allocate(1024);
                long nextByte = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int open = CONNECTIONS;
                while (open > 0 && System.nanoTime() < deadline) {
                    boolean pace = System.nanoTime() >= nextByte;
                    if (pace) {
                        nextByte += TimeUnit.SECONDS.toNanos(1);
                    }
                    for (Slow s : slow) {
                        if (s.closedNanos != 0) {
                            continue;
                        }
                        boolean closed;
                        try {
                            sink.clear();
                            closed = s.ch.read(sink) < 0;
                            assertThat(sink.position()).as("bytes the server sent a slowloris client").isZero();
                            if (!closed && pace && s.sent < request.length) {
                                s.ch.write(ByteBuffer.wrap(request, s.sent++, 1));
                            }
                        } catch (IOException reset) {
                            closed = true;
                        }
                        if (closed) {
                            s.closedNanos = System.nanoTime();
                            open--;
                        }
                    }
                    Thread.sleep(20); // polling interval of the one slowloris thread
                }
                assertThat(open).as("slowloris connections still open 30 s later").isZero();
                long earliest = Long.MAX_VALUE;
                long latest = 0;
                for (Slow s : slow) {
                    long lived = TimeUnit.NANOSECONDS.toMillis(s.closedNanos - s.openedNanos);
                    earliest = Math.min(earliest, lived);
                    latest = Math.max(latest, lived);
                    assertThat(s.sent).as("bytes trickled before the close").isLessThan(request.length);
                }
                System.out.printf("slowloris: %d connections closed after %d..%d ms (timeout %d ms)%n",
                    CONNECTIONS, earliest, latest, TIMEOUT_MS);
                assertThat(earliest).as("shortest life of a slowloris connection, ms").isGreaterThanOrEqualTo(TIMEOUT_MS - 100);
                assertThat(latest).as("longest life of a slowloris connection, ms").isLessThan(TIMEOUT_MS + 3_000);
                assertThat(rig.ws.stats().handshakeTimeouts()).isEqualTo(CONNECTIONS);
                good.stopAndCheck(50);
            } finally {
                good.close();
                for (Slow s : slow) {
                    s.ch.close();
                }
            }
        }
    }
}
