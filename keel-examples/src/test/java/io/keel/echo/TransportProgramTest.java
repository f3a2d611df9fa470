package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Transports;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --transport}: {@code auto} (the default) runs io_uring where it can and says nothing, falls back to NIO
 * with one start line that says why (here: a child JVM without the io_uring module on its class path), and a named
 * transport that cannot run is a one-line start-up error. /metrics tells which transport runs; each serves a client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportProgramTest {

    @Test
    void autoRunsIoUringWhereItCanAndSaysNothing() throws Exception {
        String expected = Transports.choose("auto").provider().name(); // io_uring on JDK 22+ and Linux 6.0+
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--transport", "auto")) {
            assertThat(metrics(p.port)).contains("keel_transport_info{transport=\"" + expected + "\"} 1");
            assertThat(p.output).noneMatch(l -> l.contains("transport:"));
            echoes(p.port);
        }
    }

    @Test
    void withoutTheModuleAutoFallsBackToNioAndSaysWhy() throws Exception {
        try (EchoProcess p = EchoProcess.startProgramWithClassPath(EchoMain.class, withoutIoUring(),
            "--mode", "ws", "--bind", "127.0.0.1", "--port", "0", "--drain-delay", "0")) {
            p.awaitLine("transport:    nio (auto: io_uring cannot run here: the keel-transport-io_uring module is not"
                + " on the class path", 20);
            assertThat(metrics(p.port)).contains("keel_transport_info{transport=\"nio\"} 1");
            echoes(p.port);
        }
    }

    @Test
    void aNamedTransportThatCannotRunIsOneLine() throws Exception {
        EchoProcess p = EchoProcess.launchProgramWithClassPath(EchoMain.class, withoutIoUring(),
            "--mode", "ws", "--bind", "127.0.0.1", "--port", "0", "--transport", "io_uring");
        try (p) {
            assertThat(p.awaitExit(30)).isEqualTo(1);
            assertThat(p.output).contains("keel-echo: transport io_uring cannot run here: the"
                + " keel-transport-io_uring module is not on the class path (it needs JDK 22 or newer)")
                .noneMatch(l -> l.contains("Exception") || l.contains("\tat "));
        }
    }

    private static String withoutIoUring() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("keel-transport-io_uring"))
            .collect(Collectors.joining(File.pathSeparator));
    }

    private static String metrics(int port) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static void echoes(int port) throws Exception {
        CompletableFuture<String> echo = new CompletableFuture<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        echo.complete(data.toString());
                        w.request(1); // and then the server's Close, which ends the client
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
            ws.sendText("which transport", true).get(10, TimeUnit.SECONDS);
            assertThat(echo.get(10, TimeUnit.SECONDS)).isEqualTo("which transport");
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        }
    }
}
