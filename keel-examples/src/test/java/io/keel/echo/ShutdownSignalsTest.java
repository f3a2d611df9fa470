package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.FailingNioTransport;
import io.keel.core.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the programs wait for their end ({@link ShutdownSignals#awaitThenShutDown}): a signal gives the graceful
 * shutdown and its two lines; a server that fails by itself (an event loop's transport broke) ends the wait at once,
 * without those lines, and hands the failure back for the one stderr line and exit code 1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownSignalsTest {

    @Test
    void aServerThatFailsEndsTheWaitWithItsFailure() throws Exception {
        FailingNioTransport transport = new FailingNioTransport();
        Server server = Server.builder().ioThreads(1).transportProvider(transport)
            .handler((c, data) -> c.send(data)).build().start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Throwable> waited = CompletableFuture.supplyAsync(() -> ShutdownSignals.awaitThenShutDown(
            new CountDownLatch(1), "test", server, Duration.ofSeconds(1), new PrintStream(out, true)));
        transport.failLoopsOf(server);
        Throwable failure = waited.get(30, TimeUnit.SECONDS);
        assertThat(failure).hasMessage("event loop 0 failed: injected");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(server.isAccepting()).isFalse();
    }

    @Test
    void aSignalShutsDownGracefullyAndSaysSo() throws Exception {
        Server server = Server.builder().ioThreads(1).handler((c, data) -> c.send(data)).build().start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CountDownLatch signal = new CountDownLatch(1);
        CompletableFuture<Throwable> waited = CompletableFuture.supplyAsync(() -> ShutdownSignals.awaitThenShutDown(
            signal, "test", server, Duration.ofSeconds(1), new PrintStream(out, true)));
        signal.countDown();
        assertThat(waited.get(30, TimeUnit.SECONDS)).isNull();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("test: shutting down (").contains("test: stopped;");
    }
}
