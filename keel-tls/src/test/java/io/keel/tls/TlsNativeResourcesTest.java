package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import io.keel.core.Server;
import io.netty.util.ReferenceCounted;

/**
 * What an OPENSSL-provider connection costs outside the Java heap: one file descriptor (its socket; Conscrypt
 * added a pipe, two more), and an engine whose native state is released when the connection closes.
 */
class TlsNativeResourcesTest {
    private static final Path FDS = Path.of("/proc/self/fd");

    @Test
    void aConnectionCostsOneFileDescriptorAndItsEngineIsReleasedOnClose() throws Exception {
        assumeTrue(TlsProvider.OPENSSL.isAvailable(), "OPENSSL not available");
        assumeTrue(Files.isDirectory(FDS), "no /proc/self/fd");
        List<SSLEngine> engines = new CopyOnWriteArrayList<>();
        TlsServerLayer layer = TlsServerLayer.builder(TlsServerLayerTest.context(TlsProvider.OPENSSL),
                new TlsLoopbackTest.Echo()).listener((c, info) -> engines.add(((TlsConnection) c).engine())).build();
        Server server = Server.builder().bind("127.0.0.1", 0).ioThreads(1).handler(layer).build().start();
        try {
            SSLContext client = TestPki.clientContext(null, TlsServerLayerTest.SS.certificate());
            // one round first, so that classes, the native library and the client's own state are all loaded
            try (SSLSocket warm = open(client, server.port())) {
                assertThat(warm.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
            awaitClosed(server, engines, 1);
            long before = openFds();
            int n = 200;
            List<SSLSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(open(client, server.port()));
                }
                await(() -> engines.size() == n + 1 && server.stats().currentConnections() == n);
                long during = openFds();
                // n client sockets and n server sockets; a little slack for the JVM's own files
                assertThat(during - before).as("fds for %d connections (client and server side)", n)
                        .isBetween(2L * n, 2L * n + 10);
                assertThat(engines.subList(1, engines.size())).allMatch(e -> ((ReferenceCounted) e).refCnt() == 1);
            } finally {
                for (SSLSocket s : clients) {
                    s.close();
                }
            }
            awaitClosed(server, engines, n + 1);
            assertThat(openFds()).isLessThanOrEqualTo(before + 10);
        } finally {
            io.keel.core.TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void aReloadReleasesTheReplacedContextAndItGoesWithItsLastEngine() {
        TlsContext ctx = TlsServerLayerTest.context(TlsProvider.OPENSSL);
        ReferenceCounted first = (ReferenceCounted) ctx.nativeContext();
        SSLEngine e = ctx.newEngine();
        assertThat(first.refCnt()).as("ours and the engine's").isEqualTo(2);
        ctx.reload();
        assertThat(ctx.nativeContext()).isNotSameAs(first);
        assertThat(first.refCnt()).as("the engine's").isEqualTo(1);
        ctx.release(e);
        assertThat(((ReferenceCounted) e).refCnt()).isZero();
        assertThat(first.refCnt()).as("freed with its last engine").isZero();
        SSLEngine next = ctx.newEngine();
        assertThat(((ReferenceCounted) ctx.nativeContext()).refCnt()).isEqualTo(2);
        ctx.release(next);
    }

    /** A handshaken client connection that has echoed one byte (so the server side is open too). */
    private static SSLSocket open(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.getOutputStream().write('x');
        assertThat(s.getInputStream().read()).isEqualTo('x');
        return s;
    }

    /** Every engine made so far is released once its connection closed: its reference count is down to 0. */
    private static void awaitClosed(Server server, List<SSLEngine> engines, int expected) throws InterruptedException {
        await(() -> server.stats().currentConnections() == 0 && engines.size() == expected
                && engines.stream().allMatch(e -> ((ReferenceCounted) e).refCnt() == 0));
        assertThat(engines).hasSize(expected).allMatch(e -> ((ReferenceCounted) e).refCnt() == 0);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(FDS)) {
            return s.count();
        }
    }
}
