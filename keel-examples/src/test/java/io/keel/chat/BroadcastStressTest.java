package io.keel.chat;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.keel.core.TestServers;
import io.keel.echo.hardening.Wire;
import io.keel.websocket.ClientWire.Frame;
import io.keel.websocket.WebSocketStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chat server's broadcast across event loops: the program's own server (in this JVM) with two I/O threads,
 * {@value #CLIENTS} clients spread over both loops all sending {@value #MESSAGES} messages at once. Every client
 * must get every message exactly once (its own included), each sender's in the order it sent them, over ws:// and
 * over wss:// with each TLS provider, with no handler error, no protocol error and no warning logged. And a
 * client that does not read is closed without holding back the room.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BroadcastStressTest {
    static final int CLIENTS = 12;
    static final int MESSAGES = 200;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    // a field: the JDK's logging keeps loggers weakly, and a collected one would lose the handler
    private final Logger keelLogs = Logger.getLogger("io.keel");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureServerLogs() {
        keelLogs.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        keelLogs.removeHandler(capture);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws", "wss jdk", "wss openssl"})
    @SuppressWarnings("try") // the hangUp resource is there for its close only
    void everyClientGetsEveryMessageOnceInEachSendersOrder(String transport) throws Exception {
        boolean secure = transport.startsWith("wss");
        List<String> args = new ArrayList<>(List.of("--mode", secure ? "wss" : "ws", "--bind", "127.0.0.1",
            "--port", "0", "--io-threads", "2"));
        if (secure) {
            args.addAll(List.of("--tls-provider", transport.substring(4)));
        }
        ChatServer chat = ChatServer.start(ChatOptions.parse(args.toArray(String[]::new)));
        List<Wire> clients = new ArrayList<>();
        // the clients close before the executor waits for its tasks: a failure then ends every reader and
        // sender at once (a blocked socket write has no timeout of its own)
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
             AutoCloseable hangUp = () -> clients.forEach(Wire::close)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", chat.server.port());
            // once a client has its 101 it is subscribed: onOpen subscribes before the corked 101 is written
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(new Wire(address, secure).upgrade(13));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Wire c = clients.get(i);
                String sender = i + ":";
                work.add(threads.submit(() -> {
                    go.await();
                    for (int n = 0; n < MESSAGES; n++) {
                        c.sendText(sender + n);
                    }
                    return null;
                }));
                int receiver = i;
                work.add(threads.submit(() -> receiveAll(receiver, c)));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS); // a lost message ends a reader sooner: its 10 s read timeout
            }
            System.out.printf("broadcast (%s): %d clients x %d messages, %d deliveries in %d ms%n", transport,
                CLIENTS, MESSAGES, CLIENTS * CLIENTS * MESSAGES,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

            // every message has reached every client, so nothing but the close may follow: no duplicate is pending
            for (Wire c : clients) {
                c.sendFrame(true, 0x8, new byte[] {0x03, (byte) 0xE8});
                Frame f = c.readFrame();
                assertThat(f.opcode()).as("after the last message, the answer to our close (not a duplicate)")
                    .isEqualTo(0x8);
                assertThat(f.closeCode()).isEqualTo(1000);
                assertThat(c.readsEndOfStream()).isTrue();
            }
            WebSocketStats ws = chat.webSocket.stats();
            assertThat(ws.messagesIn()).isEqualTo((long) CLIENTS * MESSAGES);
            assertThat(ws.published()).isEqualTo((long) CLIENTS * MESSAGES);
            assertThat(ws.deliveries()).isEqualTo((long) CLIENTS * CLIENTS * MESSAGES);
            assertThat(ws.protocolErrors()).isZero();
            assertThat(ws.sendQueueOverflows()).isZero();
            assertThat(ws.undeliverableAborts()).isZero();
            assertThat(ws.publishDropped()).isZero();
            assertThat(chat.server.stats().handlerErrors()).isZero();
            assertThat(warnings).as("warnings and errors logged by the server")
                .extracting(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()).isEmpty();
        } finally {
            TestServers.closeAndCheckLeaks(chat.server);
        }
    }

    /**
     * A client that never reads must not stop the room: once its queue limit is reached it is closed with 1008
     * (after everything queued before), counted and logged once, while the others keep getting every message.
     */
    @Test
    void aClientThatDoesNotReadIsClosedWith1008AndTheRoomGoesOn() throws Exception {
        slowClientIsClosedWith1008(12 * 1024);
    }

    /**
     * The same with messages of nearly the chat's 64 KiB limit.
     *
     * <p>Fails on main as of d8787bf: the stuck client is aborted (no close frame; the 4 MiB queued for it are
     * lost) and counted in both {@code sendQueueOverflows} and {@code undeliverableAborts}. A data unit is
     * admitted while the queue is under its limit, so the message that overflows it can leave the queue up to one
     * message past the limit (here 4,215,556 bytes, 21,252 past); the 1008 close is a control unit, admitted only
     * within {@code Connection.CONTROL_ALLOWANCE} (16 KiB) past the limit, so it is refused, and the layer aborts
     * ("a control frame could not be queued"). The abort's warning is swallowed by the same rate-limited log
     * that just printed "closing ... with 1008", so the log says the client was closed with 1008 when it was not.
     */
    @Test
    void aClientThatDoesNotReadLargeMessagesIsClosedWith1008() throws Exception {
        slowClientIsClosedWith1008(ChatServer.MAX_MESSAGE_SIZE - 100);
    }

    private void slowClientIsClosedWith1008(int messageSize) throws Exception {
        ChatServer chat = ChatServer.start(ChatOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--io-threads", "2"}));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", chat.server.port());
        // the clients close before the executor waits for its reader: a failure then ends that reader at once
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
             Wire talker = new Wire(address, false).upgrade(13);
             Wire listener = new Wire(address, false).upgrade(13);
             Wire stuck = new Wire(address, false).upgrade(13)) {
            String padding = "x".repeat(messageSize - 10);
            Future<Integer> listened = threads.submit(() -> {
                for (int n = 0; ; n++) {
                    String m = listener.readText();
                    if (m.equals("still here")) {
                        return n;
                    }
                    assertThat(m).startsWith(n + ":");
                }
            });
            // kernel buffers on both sides take megabytes before the server's 4 MiB queue limit counts; each
            // round trip through the talker keeps the talker itself far under its own limit
            int sent = 0;
            while (chat.webSocket.stats().sendQueueOverflows() == 0) {
                assertThat((long) sent * messageSize).as("bytes sent before the stuck client's queue overflowed")
                    .isLessThan(64L << 20);
                talker.sendText(sent + ":" + padding);
                assertThat(talker.readText()).startsWith(sent + ":");
                sent++;
            }
            assertThat(stuck.readCloseCode()).as("close code, after the messages queued before it").isEqualTo(1008);
            talker.sendText("still here");
            assertThat(talker.readText()).isEqualTo("still here");
            assertThat(listened.get(30, TimeUnit.SECONDS)).isEqualTo(sent);

            WebSocketStats ws = chat.webSocket.stats();
            assertThat(ws.sendQueueOverflows()).isEqualTo(1);
            assertThat(ws.undeliverableAborts()).isZero();
            assertThat(chat.server.stats().handlerErrors()).isZero();
            assertThat(warnings).extracting(LogRecord::getMessage).singleElement(as(STRING))
                .contains("with 1008: it does not read its messages");
        } finally {
            TestServers.closeAndCheckLeaks(chat.server);
        }
    }

    /** Reads the {@code CLIENTS x MESSAGES} messages, failing at the first that is not the next of its sender. */
    private static Void receiveAll(int receiver, Wire c) throws Exception {
        int[] next = new int[CLIENTS];
        for (int k = 0; k < CLIENTS * MESSAGES; k++) {
            String m = c.readText();
            int colon = m.indexOf(':');
            int sender = Integer.parseInt(m, 0, colon, 10);
            int n = Integer.parseInt(m, colon + 1, m.length(), 10);
            if (n != next[sender]) {
                throw new AssertionError("client " + receiver + ", after " + k + " messages: got message " + n
                    + " of client " + sender + ", expected its message " + next[sender]
                    + (n < next[sender] ? " (a duplicate or a reordering)" : " (lost or reordered)"));
            }
            next[sender]++;
        }
        int[] all = new int[CLIENTS];
        Arrays.fill(all, MESSAGES);
        assertThat(next).as("messages from each sender at client %d", receiver).isEqualTo(all);
        return null;
    }
}
