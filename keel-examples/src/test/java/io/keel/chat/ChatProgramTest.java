package io.keel.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.EchoProcess;
import io.keel.echo.hardening.Wire;
import io.keel.websocket.ClientWire.Frame;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The keel-chat program as a user meets it: its command line (parsed in this JVM, where failures return before
 * any signal handler is installed), then the real program in a child JVM on its default wss:// mode: the page on
 * GET /, a few clients chatting (Hixie-76 among them), and SIGTERM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChatProgramTest {

    /** What {@link ChatMain#run} returned and printed. */
    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ChatMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void defaultsAreWssOnPort8444OnEveryAddress() throws Exception {
        ChatOptions o = ChatOptions.parse(new String[0]);
        assertThat(o.secure).isTrue();
        assertThat(o.port).isEqualTo(8444);
        assertThat(o.bind).isEqualTo("0.0.0.0");
        assertThat(o.tlsProvider).isEqualTo("jdk");
        assertThat(o.ioThreads).isEqualTo(Runtime.getRuntime().availableProcessors());

        o = ChatOptions.parse(new String[] {"--mode=ws", "--bind", "127.0.0.1", "--port", "0", "--io-threads", "2"});
        assertThat(o.secure).isFalse();
        assertThat(o.bind).isEqualTo("127.0.0.1");
        assertThat(o.port).isZero();
        assertThat(o.ioThreads).isEqualTo(2);
    }

    @Test
    void helpListsEveryOptionAndExitsZero() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: keel-chat", "--mode ws|wss", "--bind", "--port", "--io-threads",
            "--tls-provider", "--self-signed-dir DIR", "--help");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        String[][] bad = {
            {"--nope"},
            {"--mode", "tcp"},
            {"--port", "99999"},
            {"--port"},
            {"--io-threads", "0"},
            {"--tls-provider", "gnutls"},
            {"--mode", "ws", "--tls-provider", "openssl"},
            {"--mode", "ws", "--self-signed-dir", "/tmp/keel"},
            {"--self-signed-dir", ""},
        };
        String[] expected = {
            "unknown option '--nope'",
            "--mode must be ws or wss, not 'tcp'",
            "--port must be between 0 and 65535",
            "option --port needs a value",
            "--io-threads must be between 1 and 1024",
            "--tls-provider must be jdk or openssl, not 'gnutls'",
            "--tls-provider needs --mode wss",
            "--self-signed-dir needs --mode wss",
            "--self-signed-dir needs a directory name, not an empty one",
        };
        for (int i = 0; i < bad.length; i++) {
            Run r = run(bad[i]);
            assertThat(r.exit()).as(String.join(" ", bad[i])).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).startsWith("keel-chat: ").contains(expected[i]).contains("--help")
                .endsWith("\n").hasLineCount(1);
        }
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run r = run("--mode", "ws", "--bind", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).startsWith("keel-chat: ").contains("address already in use").hasLineCount(1)
                .doesNotContain("Exception");
        }
    }

    /**
     * The program over its default wss://: the page, then three HyBi clients and a Hixie-76 one. Every message
     * reaches every client, the sender too; a binary message reaches the HyBi clients only (Hixie-76 has no binary
     * frames: it simply misses it); SIGTERM closes them all with 1001 and exits 0.
     */
    @Test
    void clientsChatOverWssAndSigtermSaysGoingAway() throws Exception {
        try (EchoProcess chat = EchoProcess.startProgram(ChatMain.class, "--bind", "127.0.0.1", "--port", "0")) {
            assertThat(chat.allOutput()).contains("wss chat server listening on wss://127.0.0.1:" + chat.port + "/")
                .contains("chat page https://127.0.0.1:" + chat.port + "/").contains("certificate SHA-256 ");
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", chat.port);

            String page;
            try (Wire http = new Wire(address, true)) {
                http.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String head = http.readHead();
                assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/html");
                page = new String(http.readToEnd(), StandardCharsets.UTF_8);
            }
            assertThat(page).contains("<title>Keel chat</title>", "new WebSocket(url)", "location.host")
                .as("self-contained: no external scripts, styles or images").doesNotContain("src=", "<link", "@import");

            List<Wire> clients = new ArrayList<>();
            try {
                // once a client has its 101 it is subscribed: onOpen subscribes before the corked 101 is written
                for (int version : new int[] {13, 13, 8, 76}) {
                    clients.add(new Wire(address, true).upgrade(version));
                }
                Wire alice = clients.get(0);
                Wire bob = clients.get(1);
                Wire hixie = clients.get(3);

                alice.sendText("alice: héllo ✓");
                for (Wire c : clients) {
                    assertThat(c.readText()).isEqualTo("alice: héllo ✓");
                }
                hixie.sendText("hixie: hi");
                for (Wire c : clients) {
                    assertThat(c.readText()).isEqualTo("hixie: hi");
                }
                byte[] notUtf8 = {(byte) 0xff, 0, 1, 2};
                bob.sendBinary(notUtf8);
                bob.sendText("bob: sent you bytes");
                for (Wire c : clients.subList(0, 3)) {
                    Frame f = c.readFrame();
                    assertThat(f.opcode()).isEqualTo(0x2);
                    assertThat(f.payload()).isEqualTo(notUtf8);
                    assertThat(c.readText()).isEqualTo("bob: sent you bytes");
                }
                assertThat(hixie.readText()).isEqualTo("bob: sent you bytes");

                chat.sighup(); // systemctl reload: the chat goes on
                assertThat(chat.awaitLine("SIGHUP", 20)).isEqualTo("keel-chat: SIGHUP: nothing to reload; still serving");
                bob.sendText("bob: after the reload");
                for (Wire c : clients.subList(0, 3)) {
                    assertThat(c.readText()).isEqualTo("bob: after the reload");
                }
                assertThat(hixie.readText()).isEqualTo("bob: after the reload");

                chat.sigterm();
                for (Wire c : clients.subList(0, 3)) {
                    assertThat(c.readCloseCode()).isEqualTo(1001);
                }
                // hang up rather than answer the close: the server then need not wait out its grace period
                clients.forEach(Wire::close);
                assertThat(chat.awaitExit()).as(chat.allOutput()).isZero();
                assertThat(chat.allOutput()).contains("keel-chat: shutting down").contains("keel-chat: stopped");
            } finally {
                clients.forEach(Wire::close);
            }
        }
    }
}
