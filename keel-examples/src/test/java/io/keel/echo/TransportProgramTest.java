package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keel.core.Transports;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --transport}: {@code auto} (the default) runs io_uring where it can, falls back to NIO with one start
 * line that says why (here: a child JVM without the io_uring module on its class path), and a named
 * transport that cannot run is a one-line start-up error. The start lines name the transport that runs. /metrics tells which transport runs; each serves a client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportProgramTest {

    @Test
    void autoRunsIoUringWhereItCanAndTheStartLineSaysSo() throws Exception {
        Transports.Choice expected = Transports.choose("auto"); // io_uring on JDK 22+ and Linux 6.0+
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--transport", "auto")) {
            assertThat(metrics(p.port)).contains("keel_transport_info{transport=\"" + expected.provider().name()
                + "\"} 1");
            p.awaitLine("transport:", 10);
            assertThat(p.output).filteredOn(l -> l.contains("transport")).containsExactly(
                ServerProgram.transportLine(expected));
            echoes(p.port);
        }
    }

    @Test
    void aNamedTransportIsOnTheStartLine() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--transport", "nio")) {
            p.awaitLine("transport:", 10);
            assertThat(p.output).filteredOn(l -> l.contains("transport")).containsExactly("  transport:    nio");
        }
    }

    @Test
    void withoutTheModuleAutoFallsBackToNioAndSaysWhy() throws Exception {
        try (EchoProcess p = EchoProcess.startProgramWithClassPath(EchoMain.class, withoutIoUring(),
            "--mode", "ws", "--bind", "127.0.0.1", "--port", "0", "--drain-delay", "0")) {
            p.awaitLine("transport:    nio (auto: io_uring cannot run here: the keel-transport-io_uring module is not"
                + " on the class path", 20);
            assertThat(metrics(p.port)).contains("keel_transport_info{transport=\"nio\"} 1");
            assertThat(p.output).filteredOn(l -> l.contains("io_uring cannot run here")).hasSize(1); // said once
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

    @Test
    void autoFallsBackWhenAPolicyRefusesOnlyIoUringEnter() throws Exception {
        assumeTrue(Transports.choose("auto").fallbackReason() == null, "io_uring runs here");
        assumeTrue(new File("/usr/bin/python3").canExecute(), "python3 installs the seccomp filter");
        Path script = Files.createTempFile("deny-syscall", ".py");
        try (InputStream in = TransportProgramTest.class.getResourceAsStream("deny-syscall.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> refuseEnter = List.of("/usr/bin/python3", script.toString(), "426");
        try {
            try (EchoProcess p = EchoProcess.launchWrapped(refuseEnter,
                "--mode", "ws", "--bind", "127.0.0.1", "--port", "0", "--drain-delay", "0").awaitListening()) {
                // io_uring_setup and io_uring_register work, so only waiting on a ring shows the refusal
                p.awaitLine("transport:    nio (auto: io_uring cannot run here: io_uring_enter is refused", 20);
                echoes(p.port);
            }
            EchoProcess forced = EchoProcess.launchWrapped(refuseEnter,
                "--mode", "ws", "--bind", "127.0.0.1", "--port", "0", "--transport", "io_uring");
            try (forced) {
                assertThat(forced.awaitExit(30)).isEqualTo(1);
                assertThat(forced.output).anyMatch(l -> l.startsWith("keel-echo: transport io_uring cannot run here")
                    && l.contains("io_uring_enter")).noneMatch(l -> l.contains("\tat "));
            }
        } finally {
            Files.deleteIfExists(script);
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
