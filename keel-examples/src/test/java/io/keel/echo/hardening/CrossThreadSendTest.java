package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.keel.core.EventLoop;
import io.keel.core.LogCapture;
import io.keel.core.SendStatus;
import io.keel.echo.hardening.CloseBehindLargeEchoTest.Transport;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault 2 of the send-path issue: sends made on another thread than the WebSocket's own event loop. A chat-room
 * handler broadcasts every message it receives to every client ({@code for (peer : room) peer.sendText(msg)}):
 * either straight from the sender's callback, on the sender's loop, so that the peers on the other loop
 * ({@code ioThreads(2)}) are sent to from a foreign loop; or from plain executor threads (the sender's
 * messages always from the same one, so its order is defined). Plain and TLS with both providers.
 *
 * <p>Asserted: every client gets every message of every client (its own included), intact, in each sender's
 * order; no send made off the peer's loop reports {@code SENT} (a hand-over only promises); no send is
 * {@code DROPPED} (the queues never come near their limit); no TLS failure on the clients; the server logs no
 * error and no handler throws.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CrossThreadSendTest {
    static final int CLIENTS = 10;
    static final int MESSAGES = 200;

    enum From { SENDERS_CALLBACK, EXECUTOR_THREADS }

    /** The room: broadcasts each message to everyone, from the sender's loop or from an executor thread. */
    static final class Room implements WebSocketHandler {
        final List<WebSocket> members = new CopyOnWriteArrayList<>();
        final Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
        final CountDownLatch allOpen = new CountDownLatch(CLIENTS);
        final ExecutorService[] executors; // null: from the sender's callback
        final AtomicInteger sends = new AtomicInteger();
        final AtomicInteger offLoopSends = new AtomicInteger();
        final AtomicInteger offLoopSent = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();
        final Map<SendStatus, AtomicInteger> offLoopStatuses = new ConcurrentHashMap<>();
        final List<Throwable> thrown = new CopyOnWriteArrayList<>();

        Room(From from) {
            if (from == From.EXECUTOR_THREADS) {
                executors = new ExecutorService[3];
                for (int i = 0; i < executors.length; i++) {
                    executors[i] = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("broadcaster-" + i).factory());
                }
            } else {
                executors = null;
            }
        }

        @Override
        public void onOpen(WebSocket ws) {
            members.add(ws);
            loops.add(ws.connection().eventLoop());
            allOpen.countDown();
        }

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            byte[] msg = new byte[utf8.remaining()]; // the buffer is only valid during the callback
            utf8.get(msg);
            Runnable broadcast = () -> {
                try {
                    for (WebSocket peer : members) {
                        boolean offLoop = !peer.connection().inEventLoop();
                        SendStatus s = peer.sendText(ByteBuffer.wrap(msg));
                        sends.incrementAndGet();
                        if (offLoop) {
                            offLoopSends.incrementAndGet();
                            offLoopStatuses.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                            if (s == SendStatus.SENT) {
                                offLoopSent.incrementAndGet();
                            }
                        }
                        if (s == SendStatus.DROPPED) {
                            dropped.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    thrown.add(e);
                    throw e;
                }
            };
            if (executors == null) {
                broadcast.run();
            } else {
                // one executor per sender: its messages leave in the order they arrived
                executors[Math.floorMod(System.identityHashCode(ws), executors.length)].execute(broadcast);
            }
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            members.remove(ws);
        }

        void shutdown() throws InterruptedException {
            if (executors != null) {
                for (ExecutorService e : executors) {
                    e.shutdown();
                    assertThat(e.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                }
            }
        }
    }

    private LogCapture log;
    private Rig rig;
    private Room room;
    private final List<Wire> clients = new ArrayList<>();

    @BeforeEach
    void captureLog() {
        log = LogCapture.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Wire w : clients) {
            w.abort();
        }
        try {
            if (room != null) {
                room.shutdown();
            }
            if (rig != null) {
                rig.close();
            }
        } finally {
            log.close();
        }
    }

    static Stream<Arguments> transportsAndThreads() {
        return Arrays.stream(Transport.values()).flatMap(t -> Arrays.stream(From.values()).map(f -> Arguments.of(t, f)));
    }

    /** Message {@code seq} of client {@code client}: its ids, then a filler of 0 to 1,999 bytes that they determine. */
    static String message(int client, int seq) {
        int len = (client * 7919 + seq * 104_729) % 2_000;
        StringBuilder b = new StringBuilder(len + 16).append(client).append(':').append(seq).append(':');
        for (int i = 0; i < len; i++) {
            b.append((char) ('a' + (client + seq + i) % 26));
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0}, broadcast from {1}")
    @MethodSource("transportsAndThreads")
    void everyClientGetsEveryMessageIntactInEachSendersOrder(Transport t, From from) throws Exception {
        if (t.provider != null) {
            assumeThat(t.provider.isAvailable()).as(t.provider + " provider available").isTrue();
        }
        room = new Room(from);
        rig = Rig.start(room, w -> w, t.provider, null, s -> s.ioThreads(2));
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(new Wire(rig.address(), t.provider == null ? null : Rig.clientContext(), 20_000, 0).upgrade(13));
        }
        assertThat(room.allOpen.await(10, TimeUnit.SECONDS)).as("all %d clients opened", CLIENTS).isTrue();
        assertThat(room.loops).as("the clients are spread over both event loops").hasSize(2);

        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> readers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Wire w = clients.get(c);
                int me = c;
                readers.add(pool.submit(() -> readAll(w, me)));
            }
            List<Future<String>> writers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Wire w = clients.get(c);
                int me = c;
                writers.add(pool.submit(() -> {
                    int s = 0;
                    try {
                        for (; s < MESSAGES; s++) {
                            w.sendText(message(me, s));
                        }
                        return null;
                    } catch (Exception e) {
                        return "could not send its message " + s + ": " + e;
                    }
                }));
            }
            List<String> problems = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                String p = writers.get(c).get(60, TimeUnit.SECONDS);
                if (p != null) {
                    problems.add("client " + c + " " + p);
                }
            }
            for (int c = 0; c < CLIENTS; c++) {
                String p = readers.get(c).get(60, TimeUnit.SECONDS);
                if (p != null) {
                    problems.add("client " + c + ": " + p);
                }
            }
            System.out.printf("%s from %s: %d sends, %d off the peer's loop: %s; dropped %d%n", t, from,
                room.sends.get(), room.offLoopSends.get(), room.offLoopStatuses, room.dropped.get());
            assertThat(problems).as("what the clients got wrong (server log: %s)", LogCapture.describe(log.errors()))
                .isEmpty();
        }
        assertThat(room.thrown).as("exceptions thrown by sends").isEmpty();
        assertThat(room.sends.get()).as("sends made").isEqualTo(CLIENTS * CLIENTS * MESSAGES);
        assertThat(room.offLoopSends.get()).as("sends made off the peer's loop (the case under test)").isPositive();
        assertThat(room.offLoopSent.get()).as("sends off the peer's loop that reported SENT (a hand-over only promises)")
            .isZero();
        assertThat(room.dropped.get()).as("sends DROPPED").isZero();

        for (Wire w : clients) {
            w.closeNormally();
        }
        NonReadingClientTest.awaitNoConnections(rig);
        log.assertNoErrors();
        assertThat(rig.server.stats().handlerErrors()).as("handler exceptions").isZero();
    }

    /**
     * Reads the {@code CLIENTS * MESSAGES} messages a client must get; null when all came intact and in each
     * sender's order, else what went wrong first.
     */
    private static String readAll(Wire w, int me) {
        int[] next = new int[CLIENTS];
        int got = 0;
        try {
            while (got < CLIENTS * MESSAGES) {
                String m = w.readText();
                String[] ids = m.split(":", 3);
                int from;
                int seq;
                try {
                    from = Integer.parseInt(ids[0]);
                    seq = Integer.parseInt(ids[1]);
                } catch (RuntimeException e) {
                    return "message " + got + " is not one that was sent: " + abbreviate(m);
                }
                if (from < 0 || from >= CLIENTS) {
                    return "message " + got + " is from no client: " + abbreviate(m);
                }
                if (seq != next[from]) {
                    return "from client " + from + " expected message " + next[from] + " next, got " + seq
                        + " (after " + got + " messages)";
                }
                if (!m.equals(message(from, seq))) {
                    return "message " + seq + " of client " + from + " is corrupt: " + abbreviate(m);
                }
                next[from]++;
                got++;
            }
            return null;
        } catch (Exception | AssertionError e) {
            return "after " + got + " of " + CLIENTS * MESSAGES + " messages (per sender " + Arrays.toString(next)
                + "): " + e;
        }
    }

    private static String abbreviate(String m) {
        byte[] b = m.getBytes(StandardCharsets.UTF_8);
        return m.length() <= 60 ? m : m.substring(0, 60) + "... (" + b.length + " bytes)";
    }
}
