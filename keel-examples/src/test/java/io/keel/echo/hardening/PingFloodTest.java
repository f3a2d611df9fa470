package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.keel.websocket.ClientWire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 20,000 pings as fast as one client can send them: each is answered by its pong, in order, with its payload
 * (the server does not rate-limit pings), and a well-behaved client on the same server is not starved.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PingFloodTest {
    static final int PINGS = 20_000;

    @Test
    void plain() throws Exception {
        run(false);
    }

    @Test
    void tls() throws Exception {
        run(true);
    }

    private void run(boolean secure) throws Exception {
        try (Rig rig = secure ? Rig.secure(w -> w, t -> t, s -> s) : Rig.plain(w -> w, s -> s)) {
            GoodClient good = GoodClient.start(rig);
            try (Wire flood = new Wire(rig.address(), secure)) {
                flood.upgrade(13);
                long t0 = System.nanoTime();
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < PINGS; i++) {
                            ClientWire.Frame f = flood.readFrame();
                            assertThat(f.opcode()).as("frame %d", i).isEqualTo(0xA);
                            assertThat(ByteBuffer.wrap(f.payload()).getInt()).as("pong payload").isEqualTo(i);
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                // pings batched into large writes: as fast as the socket takes them
                ByteBuffer batch = ByteBuffer.allocate(1000 * 14);
                for (int i = 0; i < PINGS; i++) {
                    batch.put(Wire.frame(true, 0x9, ByteBuffer.allocate(4).putInt(i).array(), true));
                    if (!batch.hasRemaining() || (i + 1) % 1000 == 0) {
                        flood.out.write(batch.array(), 0, batch.position());
                        batch.clear();
                    }
                }
                flood.out.flush();
                reader.get(60, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                System.out.printf("ping flood (%s): %d pings answered in %d ms (%.0f/s)%n", secure ? "TLS" : "plain",
                    PINGS, ms, PINGS * 1000.0 / Math.max(1, ms));
                good.stopAndCheck(50);
                flood.closeNormally();
            } finally {
                good.close();
            }
        }
    }
}
