package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.TestServers;
import io.keel.echo.hardening.Wire;
import io.keel.websocket.ClientWire;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The echo program's port (its {@link HttpEndpoints} fallback behind the WebSocket layer, assembled as the program
 * assembles it) against the request forms HTTP/1.1 allows and the bytes it does not: absolute-form targets reach
 * {@code /healthz} and {@code /metrics} and upgrade, a handshake without {@code Upgrade} is a 400 instead of the
 * demo page, a TLS client on the plain port is answered at once, and a 426 names the protocol.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpRequestFormsProgramTest {
    static EchoServer ws;
    static EchoServer wss;

    @BeforeAll
    static void start() throws Exception {
        ws = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1", "--port", "0"}));
        wss = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "wss", "--bind", "127.0.0.1", "--port", "0"}));
    }

    @AfterAll
    static void stop() {
        try {
            TestServers.closeAndCheckLeaks(ws.server);
        } finally {
            TestServers.closeAndCheckLeaks(wss.server);
        }
    }

    private static InetSocketAddress address(EchoServer s) {
        return new InetSocketAddress("127.0.0.1", s.server.port());
    }

    /** Sends {@code request} and returns the whole response: the program closes after every plain HTTP answer. */
    private static String exchange(EchoServer s, boolean tls, String request) throws Exception {
        try (Wire w = new Wire(address(s), tls)) {
            w.write(request);
            return new String(w.readToEnd(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http", "ws"})
    @DisplayName("RFC 9112 section 3.2.2: GET <scheme>://host:port/healthz is the health page")
    void absoluteFormHealthz(String scheme) throws Exception {
        String r = exchange(ws, false, "GET " + scheme + "://127.0.0.1:" + ws.server.port() + "/healthz HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https", "wss"})
    @DisplayName("RFC 9112 section 3.2.2: the same over TLS")
    void absoluteFormHealthzOverTls(String scheme) throws Exception {
        String r = exchange(wss, true, "GET " + scheme + "://localhost:" + wss.server.port() + "/healthz HTTP/1.1\r\n"
            + "Host: localhost\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok\n");
    }

    @Test
    @DisplayName("RFC 9112 section 3.2.2: /metrics in absolute-form, with a query")
    void absoluteFormMetrics() throws Exception {
        String r = exchange(ws, false, "GET http://127.0.0.1/metrics?fresh=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").contains("keel_http_requests_total");
    }

    @Test
    @DisplayName("RFC 9112 section 3.2.2: an upgrade in absolute-form echoes")
    void absoluteFormUpgrade() throws Exception {
        try (Wire w = new Wire(address(ws), false)) {
            w.write(ClientWire.hybiRequest("ws://127.0.0.1:" + ws.server.port() + "/echo", 13));
            assertThat(w.readHead()).startsWith("HTTP/1.1 101 ");
            w.sendText("absolute");
            assertThat(w.readText()).isEqualTo("absolute");
            w.closeNormally();
        }
    }

    @Test
    @DisplayName("RFC 9112 section 3.2.2: a malformed absolute URI is a 400")
    void malformedAbsoluteUri() throws Exception {
        String r = exchange(ws, false, "GET http://user@127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("userinfo");
    }

    @Test
    @DisplayName("RFC 6455 section 4.2.1: a handshake without Upgrade: websocket is a 400 that says why, not the page")
    void handshakeWithoutUpgrade() throws Exception {
        String r = exchange(ws, false, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + ClientWire.KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("without 'Upgrade: websocket'")
            .doesNotContainIgnoringCase("<html");
        String page = exchange(ws, false, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(page).as("a plain GET still gets the page").startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("<html");
    }

    @Test
    @DisplayName("RFC 9110 section 5.6.2: a TLS ClientHello on the ws port is answered 400 at once, not at the handshake timeout")
    void tlsOnThePlainPort() throws Exception {
        long t0 = System.nanoTime();
        try (Wire w = new Wire(address(ws), false)) {
            w.write(ClientWire.tlsClientHello("127.0.0.1"));
            String r = new String(w.readToEnd(), StandardCharsets.UTF_8);
            assertThat(r).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("TLS");
        }
        // the program's handshake timeout is 10 s
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
    }

    @Test
    @DisplayName("RFC 9110 section 15.5.22: a 426 carries Upgrade: websocket and the upgrade connection option")
    void upgradeRequired() throws Exception {
        String r = exchange(ws, false, ClientWire.hybiRequest("/echo", 9));
        assertThat(r).startsWith("HTTP/1.1 426 Upgrade Required\r\n").contains("\r\nUpgrade: websocket\r\n")
            .contains("\r\nConnection: Upgrade, close\r\n").contains("\r\nSec-WebSocket-Version: 13, 8, 7\r\n");
    }
}
