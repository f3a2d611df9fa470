package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser (headless Chromium, Debian package chromium) loads the program's demo page, which connects back
 * over wss:// (or ws://) and runs its self-test (text, multi-byte text, 256 KiB, binary): the page must say
 * "passed". Chromium trusts the test's server certificate by its public key only
 * ({@code --ignore-certificate-errors-spki-list}), not every certificate.
 */
@Timeout(90)
class ChromiumPageTest {
    /** The page's self-test result once it is no longer "running…" (the page fails itself after 10 s). */
    private static final String SELF_TEST = """
        new Promise((resolve) => {
          const el = document.getElementById("selftest");
          const done = () => el.textContent !== "running…";
          if (done()) { resolve(el.className + ": " + el.textContent); return; }
          new MutationObserver((_, o) => { if (done()) { o.disconnect(); resolve(el.className + ": " + el.textContent); } })
            .observe(el, {childList: true, characterData: true, subtree: true});
        })""";

    /** Types a message, presses Send, and resolves with the log line of its echo. */
    private static final String ECHO_BY_HAND = """
        new Promise((resolve) => {
          const log = document.getElementById("log");
          new MutationObserver(() => {
            const echo = [...log.children].find((d) => d.className === "echo");
            if (echo) resolve(echo.textContent);
          }).observe(log, {childList: true});
          document.getElementById("text").value = "typed in Chromium ✓";
          document.getElementById("send").click();
        })""";

    @TempDir
    static Path dir;
    static TestPki.ServerCert cert;
    static HeadlessChromium chromium;

    @BeforeAll
    static void startChromium() throws Exception {
        Tools.assume(HeadlessChromium.BINARY != null, "chromium");
        cert = TestPki.serverCert(dir);
        byte[] spki = MessageDigest.getInstance("SHA-256").digest(cert.cert().certificate().getPublicKey().getEncoded());
        chromium = new HeadlessChromium(Files.createDirectory(dir.resolve("profile")),
            "--ignore-certificate-errors-spki-list=" + Base64.getEncoder().encodeToString(spki));
    }

    @AfterAll
    static void stopChromium() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void selfTestPassesOverWss() throws Exception {
        try (WssEchoProcess p = WssEchoProcess.start(cert.options())) {
            String page = chromium.newPage();
            chromium.load(page, "https://127.0.0.1:" + p.port + "/");
            assertThat(chromium.evaluate(page, SELF_TEST)).as(chromium.output()).isEqualTo("ok: passed");
            assertThat(chromium.evaluate(page, "document.getElementById('url').textContent"))
                .isEqualTo("wss://127.0.0.1:" + p.port + "/");
            // and by hand: type, Send, the echo shows up in the log
            assertThat(chromium.evaluate(page, ECHO_BY_HAND)).isEqualTo("echo: typed in Chromium ✓");
            byte[] png = chromium.screenshot(page);
            Path shot = Path.of("target", "keel-page-wss.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');
            assertThat(p.metric(cert.clientContext(), "keel_websocket_handshakes_total{version=\"rfc_6455\"}"))
                .as("the page's two WebSockets").isGreaterThanOrEqualTo(2);
            // Chromium offers permessage-deflate (RFC 7692) on every WebSocket: the default shared mode answers
            // no context takeover both ways, and the self-test's 256 KiB message came compressed
            assertThat(chromium.evaluate(page, "ws.extensions"))
                .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
            long compressedIn = p.metric(cert.clientContext(), "keel_websocket_compressed_bytes_received_total");
            assertThat(compressedIn).isPositive();
            assertThat(p.metric(cert.clientContext(), "keel_websocket_uncompressed_bytes_received_total"))
                .isGreaterThan(256 * 1024 + compressedIn);
        }
    }

    @Test
    void selfTestPassesOverPlainWs() throws Exception {
        try (WssEchoProcess p = WssEchoProcess.start("--mode", "ws")) {
            String page = chromium.newPage();
            chromium.load(page, "http://127.0.0.1:" + p.port + "/");
            assertThat(chromium.evaluate(page, SELF_TEST)).as(chromium.output()).isEqualTo("ok: passed");
            assertThat(chromium.evaluate(page, "document.getElementById('url').textContent"))
                .isEqualTo("ws://127.0.0.1:" + p.port + "/");
        }
    }
}
