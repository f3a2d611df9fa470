package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.proxy.ProxyHeaders;
import io.keel.echo.hardening.Wire;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel-echo --proxy-protocol} without HAProxy: the start line says which peers must send a header; a
 * WebSocket behind a (hand-written) PROXY v1 header is logged with the header's client; a trusted peer without a
 * header gets no reply and is counted in /metrics. (With a real HAProxy: {@link HaproxyProxyProtocolTest}.)
 */
@Timeout(60)
class ProxyProtocolProgramTest {
    @TempDir
    Path dir;

    @Test
    void headerClientIsTheSessionsClientAndAMissingHeaderIsCounted() throws Exception {
        Path log = dir.resolve("access.log");
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--proxy-protocol", "--trusted-proxies", "127.0.0.1/32,10.0.0.0/8", "--access-log",
            log.toString()}));
        try {
            assertThat(echo.listeningLines()).contains("  PROXY protocol: required from 127.0.0.1/32, 10.0.0.0/8"
                + " (header timeout 5 s); other peers are served as direct clients");
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", echo.server.port());
            try (Wire w = new Wire(server, false)) {
                w.write(ProxyHeaders.v1("TCP4 198.51.100.20 127.0.0.1 61000 " + server.getPort()));
                w.upgrade(13);
                w.sendText("behind a proxy");
                assertThat(w.readText()).isEqualTo("behind a proxy");
                w.closeNormally();
            }
            Awaits.await("the session's log line", Duration.ofSeconds(10), () -> read(log)
                .contains(" ws client=198.51.100.20:61000 tls=- version=RFC_6455 path=/echo "));
            try (Wire noHeader = new Wire(server, false)) {
                noHeader.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(noHeader.readsEndOfStream()).as("closed without a reply").isTrue();
            }
            Awaits.await("the missing header counted", Duration.ofSeconds(10),
                () -> echo.metrics().contains("keel_proxy_header_failures_total 1\n"));
        } finally {
            echo.server.close();
            echo.accessLog.close();
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
