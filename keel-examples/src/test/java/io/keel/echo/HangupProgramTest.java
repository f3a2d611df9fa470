package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP ({@code systemctl reload}, logrotate's {@code postrotate}) never stops keel-echo, in any mode: the JVM's
 * default would end the process at once and cut every client off. The wss server re-reads its certificate; an
 * access-log file is reopened; with neither, one line says there was nothing to reload.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HangupProgramTest {
    @TempDir
    Path dir;

    @Test
    void wsAndTcpServersGoOnServingAfterSighup() throws Exception {
        for (String mode : new String[] {"ws", "tcp"}) {
            try (EchoProcess p = EchoProcess.start("--mode", mode, "--bind", "127.0.0.1", "--port", "0")) {
                p.sighup();
                assertThat(p.awaitLine("SIGHUP", 20)).isEqualTo(
                    "keel-echo: SIGHUP: nothing to reload (no certificate, no access-log file); still serving");
                assertThat(p.process.isAlive()).isTrue();
                assertThat(p.terminate()).as(p.allOutput()).isZero();
            }
        }
    }

    @Test
    void theAccessLogIsReopenedAfterARotation() throws Exception {
        Path log = dir.resolve("access.log");
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--access-log", log.toString())) {
            Files.move(log, dir.resolve("access.log.1"));
            p.sighup();
            assertThat(p.awaitLine("access log", 20)).isEqualTo("keel-echo: access log reopened");
            try (var c = java.net.http.HttpClient.newHttpClient()) {
                c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + p.port
                    + "/healthz")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            }
            assertThat(p.terminate()).as(p.allOutput()).isZero();
            assertThat(Files.readString(log)).contains("path=/healthz status=200");
        }
    }
}
