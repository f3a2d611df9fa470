package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.ClientWire.Frame;
import io.keel.websocket.RawClient.Response;
import io.keel.websocket.protocol.ProtocolVersion;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loopback integration tests: {@link WebSocketProtocolHandler} with an echo application on a real {@link Server},
 * driven by {@link RawClient} over a real socket on 127.0.0.1.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WebSocketLoopbackTest {
    private final RecordingEchoApp app = new RecordingEchoApp();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Server server;
    private WebSocketProtocolHandler handler;

    private void start(WebSocketHandler application, UnaryOperator<WebSocketProtocolHandler.Builder> config) {
        handler = config.apply(WebSocketProtocolHandler.builder(application)).build();
        server = TestServers.start(Server.builder().ioThreads(1).handler(handler));
    }

    private void start(UnaryOperator<WebSocketProtocolHandler.Builder> config) {
        start(app, config);
    }

    private RawClient client() throws Exception {
        RawClient c = new RawClient(server.localAddress());
        toClose.add(c);
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (server != null) {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    // ---- refused and plain HTTP requests ----

    @Test
    void requestHeadOverTheLimitGets431AndClose() throws Exception {
        start(b -> b);
        RawClient c = client();
        // 8 KiB is the default limit; the head is never terminated, so only the limit can end it
        c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + "a".repeat(9000));
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(431);
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(handler.stats().handshakesRejected()).isEqualTo(1);
    }

    @Test
    void smallerConfiguredHeadLimitIsEnforced() throws Exception {
        start(b -> b.maxHeaderBytes(1024));
        RawClient c = client();
        c.write(RawClient.hybiRequest(13).replace("Host:", "X-Filler: " + "b".repeat(1100) + "\r\nHost:"));
        assertThat(c.readResponse().status()).isEqualTo(431);
        assertThat(c.readsEndOfStream()).isTrue();
    }

    @Test
    void malformedRequestGets400AndClose() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write("GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"); // header line without a colon
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(c.readsEndOfStream()).isTrue();
    }

    @Test
    void postGets405WithAllowGet() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write("POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET");
        assertThat(c.readsEndOfStream()).isTrue();
    }

    @Test
    void unknownVersionGets426ListingTheSupportedOnes() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write(RawClient.hybiRequest(99));
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13, 8, 7");
        // RFC 9110 section 15.5.22: a 426 names the protocol; section 7.8: Upgrade goes with the upgrade option
        assertThat(r.header("Upgrade")).isEqualTo("websocket");
        assertThat(r.header("Connection")).isEqualTo("Upgrade, close");
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.opened).isEmpty();
    }

    @Test
    void plainGetGetsASmallPageThenClose() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.bodyText()).contains("WebSocket").contains("ws://");
        assertThat(r.body().length).isLessThan(1024);
        assertThat(c.readsEndOfStream()).as("closed after the page, no hang").isTrue();
        assertThat(handler.stats().httpRequests()).isEqualTo(1);
    }

    @Test
    void incompleteHandshakeIsClosedByTheHandshakeTimeout() throws Exception {
        start(b -> b.handshakeTimeout(Duration.ofMillis(300)));
        RawClient c = client();
        long t0 = System.nanoTime();
        c.write("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"); // never finished
        assertThat(c.readsEndOfStream()).isTrue();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("closed by the 300 ms timer, not at once and not much later").isBetween(250L, 5_000L);
        assertThat(handler.stats().handshakeTimeouts()).isEqualTo(1);
    }

    @Test
    void versionsRestrictedToRfc6455Refuse08With426() throws Exception {
        start(b -> b.versions(ProtocolVersion.RFC_6455));
        RawClient c = client();
        c.write(RawClient.hybiRequest(8));
        Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        assertThat(c.readsEndOfStream()).isTrue();

        RawClient ok = client(); // 13 still works
        ok.upgrade(13);
        ok.sendText("still 13");
        assertThat(ok.readFrame().text()).isEqualTo("still 13");
    }

    // ---- echo on every version ----

    @Test
    void rfc6455MaskedTextAndBinaryEchoThenCloseHandshake() throws Exception {
        start(b -> b);
        RawClient c = client();
        Response r = c.upgrade(13);
        assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawClient.ACCEPT);
        assertThat(r.header("Upgrade")).isEqualToIgnoringCase("websocket");
        assertThat(r.header("Connection")).isEqualToIgnoringCase("Upgrade");

        c.sendText("Hello, Keel — ünïcödé ✓");
        Frame f = c.readFrame();
        assertThat(f.fin()).isTrue();
        assertThat(f.opcode()).isEqualTo(0x1);
        assertThat(f.text()).isEqualTo("Hello, Keel — ünïcödé ✓");

        byte[] bin = new byte[70_000]; // 64-bit length form
        new Random(1).nextBytes(bin);
        c.sendFrame(true, 0x2, bin, true);
        Frame b = c.readFrame();
        assertThat(b.opcode()).isEqualTo(0x2);
        assertThat(b.payload()).isEqualTo(bin);

        c.sendFrame(true, 0x9, "ping!".getBytes(StandardCharsets.US_ASCII), true);
        Frame pong = c.readFrame();
        assertThat(pong.opcode()).isEqualTo(0xA);
        assertThat(pong.text()).isEqualTo("ping!");

        c.sendClose(1000);
        Frame close = c.readFrame();
        assertThat(close.opcode()).isEqualTo(0x8);
        assertThat(close.closeCode()).isEqualTo(1000);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1000);
        assertThat(handler.stats().handshakes(ProtocolVersion.RFC_6455)).isEqualTo(1);
    }

    @ParameterizedTest(name = "HyBi-0{0}")
    @ValueSource(ints = {7, 8})
    void hybiDraftsEchoWithSecWebSocketOrigin(int version) throws Exception {
        start(b -> b);
        RawClient c = client();
        Response r = c.upgrade(version);
        assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawClient.ACCEPT);
        WebSocket ws = app.opened.poll(10, TimeUnit.SECONDS);
        assertThat(ws).isNotNull();
        assertThat(ws.version()).isEqualTo(ProtocolVersion.ofWireVersion(version));

        c.sendText("draft " + version);
        assertThat(c.readFrame().text()).isEqualTo("draft " + version);
        byte[] bin = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};
        c.sendFrame(true, 0x2, bin, true);
        Frame b = c.readFrame();
        assertThat(b.opcode()).isEqualTo(0x2);
        assertThat(b.payload()).isEqualTo(bin);

        c.sendClose(1000);
        assertThat(c.readFrame().closeCode()).isEqualTo(1000);
        assertThat(c.readsEndOfStream()).isTrue();
    }

    /** The worked example of draft-hixie-thewebsocketprotocol-76 section 1.3 / 5.2. */
    static final String HIXIE_REQUEST = "GET /demo HTTP/1.1\r\n"
        + "Host: example.com\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"
        + "Upgrade: WebSocket\r\n"
        + "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
        + "Origin: http://example.com\r\n\r\n"
        + "^n:ds[4U";
    static final String HIXIE_ANSWER = "8jKS'y:G*Co,Wxa-";

    @Test
    void hixie76WorkedExampleHandshakeAndEcho() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write(HIXIE_REQUEST);
        Response r = c.readResponseHead();
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.header("Sec-WebSocket-Location")).isEqualTo("ws://example.com/demo");
        assertThat(r.header("Sec-WebSocket-Origin")).isEqualTo("http://example.com");
        assertThat(c.read(16)).isEqualTo(HIXIE_ANSWER.getBytes(StandardCharsets.ISO_8859_1));

        byte[] frame = {0x00, 'h', 'e', 'l', 'l', 'o', (byte) 0xFF};
        c.write(frame);
        assertThat(c.read(frame.length)).isEqualTo(frame);

        c.write(new byte[] {(byte) 0xFF, 0x00}); // Hixie-76 closing handshake
        assertThat(c.read(2)).isEqualTo(new byte[] {(byte) 0xFF, 0x00});
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(handler.stats().handshakes(ProtocolVersion.HIXIE_76)).isEqualTo(1);
    }

    @Test
    void hixie76KeyBodyArrivingByteByByteStillCompletes() throws Exception {
        start(b -> b);
        RawClient c = client();
        byte[] all = HIXIE_REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        for (byte b : all) {
            c.write(new byte[] {b});
        }
        assertThat(c.readResponseHead().status()).isEqualTo(101);
        assertThat(c.read(16)).isEqualTo(HIXIE_ANSWER.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void dataRightBehindTheUpgradeInOneWriteIsEchoed() throws Exception {
        start(b -> b);
        RawClient c = client();
        byte[] head = RawClient.hybiRequest(13).getBytes(StandardCharsets.ISO_8859_1);
        byte[] frame = ClientWire.encode(true, 0x1, "eager".getBytes(StandardCharsets.UTF_8), true);
        byte[] both = Arrays.copyOf(head, head.length + frame.length);
        System.arraycopy(frame, 0, both, head.length, frame.length);
        c.write(both);
        assertThat(c.readResponseHead().status()).isEqualTo(101);
        assertThat(c.readFrame().text()).isEqualTo("eager");
    }

    // ---- protocol errors ----

    @Test
    void invalidUtf8TextClosesWith1007() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.upgrade(13);
        c.sendFrame(true, 0x1, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28}, true);
        Frame close = c.readUntilClose();
        assertThat(close.closeCode()).isEqualTo(1007);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1007);
        assertThat(handler.stats().protocolErrors()).isEqualTo(1);
    }

    @Test
    void messageOverTheLimitClosesWith1009() throws Exception {
        start(b -> b.maxMessageSize(1024));
        RawClient c = client();
        c.upgrade(13);
        c.sendFrame(true, 0x2, new byte[1024], true); // exactly the limit: fine
        assertThat(c.readFrame().payload()).hasSize(1024);
        // over the limit across fragments, so it is the message size that counts, not a frame's
        c.sendFrame(false, 0x2, new byte[600], true);
        c.sendFrame(true, 0x0, new byte[600], true);
        Frame close = c.readUntilClose();
        assertThat(close.closeCode()).isEqualTo(1009);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1009);
        assertThat(handler.stats().messagesTooBig()).isEqualTo(1);
    }

    @Test
    void unmaskedClientFrameClosesWith1002() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.upgrade(13);
        c.sendFrame(true, 0x1, "naked".getBytes(StandardCharsets.UTF_8), false);
        Frame close = c.readUntilClose();
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1002);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> violations() {
        byte[] ping126 = new byte[126];
        return java.util.stream.Stream.of(
            org.junit.jupiter.params.provider.Arguments.of("RSV1 set without an extension",
                new byte[][] {ClientWire.encode(true, 0x1, new byte[] {'a'}, true)}, 0x40, 1002),
            org.junit.jupiter.params.provider.Arguments.of("reserved opcode 0x3",
                new byte[][] {ClientWire.encode(true, 0x3, new byte[] {'a'}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("continuation with no message started",
                new byte[][] {ClientWire.encode(true, 0x0, new byte[] {'a'}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("new text message inside a fragmented one",
                new byte[][] {ClientWire.encode(false, 0x1, new byte[] {'a'}, true),
                    ClientWire.encode(true, 0x1, new byte[] {'b'}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("fragmented ping",
                new byte[][] {ClientWire.encode(false, 0x9, new byte[] {'a'}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("ping payload over 125 bytes",
                new byte[][] {ClientWire.encode(true, 0x9, ping126, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("close with the reserved code 1005",
                new byte[][] {ClientWire.encode(true, 0x8, new byte[] {0x03, (byte) 0xED}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("close with a one-byte payload",
                new byte[][] {ClientWire.encode(true, 0x8, new byte[] {0x03}, true)}, 0, 1002),
            org.junit.jupiter.params.provider.Arguments.of("close reason that is not UTF-8",
                new byte[][] {ClientWire.encode(true, 0x8, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF}, true)},
                0, 1007));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("violations")
    void protocolViolationsFailTheConnectionWithTheRightCode(String what, byte[][] frames, int firstByteBits,
            int expectedCode) throws Exception {
        start(b -> b);
        RawClient c = client();
        c.upgrade(13);
        frames[0][0] |= (byte) firstByteBits;
        for (byte[] f : frames) {
            c.write(f);
        }
        Frame close = c.readUntilClose();
        assertThat(close.closeCode()).as(what).isEqualTo(expectedCode);
        assertThat(c.readsEndOfStream()).isTrue();
    }

    @Test
    void idleWebSocketIsClosedWith1001() throws Exception {
        handler = WebSocketProtocolHandler.builder(app).build();
        server = TestServers.start(Server.builder().ioThreads(1).idleTimeout(Duration.ofMillis(400)).handler(handler));
        RawClient c = client();
        c.upgrade(13);
        Frame close = c.readFrame();
        assertThat(close.closeCode()).isEqualTo(1001);
        c.sendClose(1001);
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1001);
    }

    // ---- shutdown ----

    @Test
    void shutdownSendsEveryOpenClient1001AndCompletes() throws Exception {
        start(b -> b);
        List<RawClient> clients = new ArrayList<>();
        for (int v : new int[] {13, 13, 8, 7}) {
            RawClient c = client();
            c.upgrade(v);
            c.sendText("up");
            assertThat(c.readFrame().text()).isEqualTo("up");
            clients.add(c);
        }
        RawClient hixie = client();
        hixie.write(HIXIE_REQUEST);
        assertThat(hixie.readResponseHead().status()).isEqualTo(101);
        hixie.read(16);

        long t0 = System.nanoTime();
        var done = server.shutdown(Duration.ofSeconds(5));
        for (RawClient c : clients) {
            Frame close = c.readFrame();
            assertThat(close.opcode()).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1001);
            c.sendClose(1001); // complete the close handshake as a good client does
            assertThat(c.readsEndOfStream()).isTrue();
        }
        assertThat(hixie.read(2)).as("Hixie-76 close frame").isEqualTo(new byte[] {(byte) 0xFF, 0x00});
        hixie.write(new byte[] {(byte) 0xFF, 0x00});
        assertThat(hixie.readsEndOfStream()).isTrue();

        done.get(10, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("all clients answered: no need to wait for the 5 s grace").isLessThan(4_500);
        for (int i = 0; i < 5; i++) {
            assertThat(app.nextClose().code()).isEqualTo(1001);
        }
        assertThat(handler.stats().open()).isZero();
    }

    @Test
    void clientThatNeverAnswersTheCloseIsCutOffByTheCloseTimeout() throws Exception {
        start(b -> b.closeTimeout(Duration.ofMillis(300)));
        RawClient c = client();
        c.upgrade(13);
        WebSocket ws = app.opened.poll(10, TimeUnit.SECONDS);
        assertThat(ws).isNotNull();
        ws.execute(() -> ws.close(4000, "go away"));
        Frame close = c.readFrame();
        assertThat(close.closeCode()).isEqualTo(4000);
        assertThat(new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8)).isEqualTo("go away");
        long t0 = System.nanoTime();
        assertThat(c.readsEndOfStream()).as("we never answer; the server gives up").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
        assertThat(app.nextClose().code()).isEqualTo(4000);
        assertThat(handler.stats().closeTimeouts()).isEqualTo(1);
    }

    @Test
    void maxMessageSizeOf125IsTheSmallestThatBuilds() {
        var builder = WebSocketProtocolHandler.builder(app);
        org.assertj.core.api.Assertions.assertThatCode(() -> builder.maxMessageSize(125).build()).doesNotThrowAnyException();
    }

    @Test
    void maxMessageSizeUnder125IsRejectedWhereItIsSet() {
        var builder = WebSocketProtocolHandler.builder(app);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.maxMessageSize(100))
            .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- streaming ----

    @Test
    void streamingEchoesALargeFragmentedMessageFragmentByFragment() throws Exception {
        start(b -> b.streaming(true));
        RawClient c = client();
        c.upgrade(13);
        Random rnd = new Random(7);
        int fragments = 6;
        int size = 48 * 1024;
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean sawLast = false;
        for (int i = 0; i < fragments; i++) {
            byte[] part = new byte[size];
            rnd.nextBytes(part);
            boolean last = i == fragments - 1;
            c.sendFrame(last, i == 0 ? 0x2 : 0x0, part, true);
            sent.write(part);
            // this fragment comes back before the next one is even sent: the message is never held whole
            while (received.size() < sent.size()) {
                Frame f = c.readFrame();
                assertThat(f.opcode()).isEqualTo(received.size() == 0 ? 0x2 : 0x0);
                assertThat(f.fin()).as("fin only on the very end").isEqualTo(last && received.size() + f.payload().length == sent.size());
                sawLast |= f.fin();
                received.write(f.payload());
            }
        }
        assertThat(sawLast).isTrue();
        assertThat(received.toByteArray()).isEqualTo(sent.toByteArray());
    }

    @Test
    void streamingTextKeepsCodePointsWhole() throws Exception {
        start(b -> b.streaming(true));
        RawClient c = client();
        c.upgrade(13);
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes, split across two fragments
        c.sendFrame(false, 0x1, new byte[] {'a', euro[0]}, true);
        Frame first = c.readFrame();
        assertThat(first.opcode()).isEqualTo(0x1);
        assertThat(first.fin()).isFalse();
        c.sendFrame(true, 0x0, new byte[] {euro[1], euro[2], 'b'}, true);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(first.payload());
        Frame f;
        do {
            f = c.readFrame();
            assertThat(f.opcode()).isEqualTo(0x0);
            all.write(f.payload());
        } while (!f.fin());
        assertThat(all.toString(StandardCharsets.UTF_8)).isEqualTo("a€b");
        assertThat(first.payload()).as("no partial code point is handed on").isEqualTo(new byte[] {'a'});
    }

    // ---- offload ----

    @Test
    void offloadedResultsComeBackInSubmissionOrder() throws Exception {
        int n = 20;
        WebSocketHandler slowUpper = new RecordingEchoApp() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                String s = StandardCharsets.UTF_8.decode(utf8).toString();
                int i = Integer.parseInt(s.substring(4));
                ws.offload(() -> {
                    assertThat(Thread.currentThread().isVirtual()).isTrue();
                    Thread.sleep(n - i); // earlier messages take longer: only ordering keeps them first
                    return s.toUpperCase() + "@" + Thread.currentThread().isVirtual();
                }, (w, result) -> w.sendText(result));
            }
        };
        start(slowUpper, b -> b);
        RawClient c = client();
        c.upgrade(13);
        for (int i = 0; i < n; i++) {
            c.sendText("msg-" + i);
        }
        for (int i = 0; i < n; i++) {
            assertThat(c.readFrame().text()).isEqualTo("MSG-" + i + "@true");
        }
    }

    @Test
    void failedOffloadedWorkClosesWith1011() throws Exception {
        start(new RecordingEchoApp() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                ws.offload(() -> {
                    throw new IllegalStateException("boom");
                }, (w, r) -> w.sendText("never"));
            }
        }, b -> b);
        RawClient c = client();
        c.upgrade(13);
        c.sendText("go");
        Frame close = c.readFrame();
        assertThat(close.opcode()).as("no result frame before the close").isEqualTo(0x8);
        assertThat(close.closeCode()).isEqualTo(1011);
    }

    @Test
    void clientVanishingWithoutCloseIsReportedAs1006() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.upgrade(13);
        c.sendText("hi");
        assertThat(c.readFrame().text()).isEqualTo("hi");
        c.socket.shutdownOutput(); // FIN with no close frame
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1006);
    }

    @Test
    void pingInsideAFragmentedMessageIsAnsweredAndTheMessageStillEchoed() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.upgrade(13);
        c.sendFrame(false, 0x1, "abc".getBytes(StandardCharsets.UTF_8), true);
        c.sendFrame(true, 0x9, "mid".getBytes(StandardCharsets.UTF_8), true);
        c.sendFrame(true, 0x0, "def".getBytes(StandardCharsets.UTF_8), true);
        Frame pong = c.readFrame();
        assertThat(pong.opcode()).isEqualTo(0xA);
        assertThat(pong.text()).isEqualTo("mid");
        Frame msg = c.readFrame();
        assertThat(msg.opcode()).isEqualTo(0x1);
        assertThat(msg.fin()).isTrue();
        assertThat(msg.text()).isEqualTo("abcdef");
    }

    @Test
    void anOpenWebSocketOutlivesTheHandshakeTimeout() throws Exception {
        start(new RecordingEchoApp() {
            @Override
            public void onOpen(WebSocket ws) {
                // a server-side timer well past the handshake timeout: the connection must still be there
                ws.connection().schedule(() -> ws.sendText("still here"), 700, TimeUnit.MILLISECONDS);
            }
        }, b -> b.handshakeTimeout(Duration.ofMillis(200)));
        RawClient c = client();
        c.upgrade(13);
        assertThat(c.readFrame().text()).isEqualTo("still here");
        c.sendText("and echoing");
        assertThat(c.readFrame().text()).isEqualTo("and echoing");
        assertThat(handler.stats().handshakeTimeouts()).isZero();
    }

    @Test
    void originValidatorRefusesWith403AndSubprotocolIsChosen() throws Exception {
        start(b -> b.originValidator(o -> "http://good.example".equals(o))
            .subprotocols(offered -> offered.contains("chat.v2") ? "chat.v2" : null));
        RawClient bad = client();
        bad.write(RawClient.hybiRequest(13));
        assertThat(bad.readResponse().status()).isEqualTo(403);
        assertThat(bad.readsEndOfStream()).isTrue();

        RawClient good = client();
        good.write(RawClient.hybiRequest(13).replace("Origin: http://example.com", "Origin: http://good.example")
            .replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat.v1, chat.v2\r\n\r\n"));
        Response r = good.readResponseHead();
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.header("Sec-WebSocket-Protocol")).isEqualTo("chat.v2");
        WebSocket ws = app.opened.poll(10, TimeUnit.SECONDS);
        assertThat(ws).isNotNull();
        assertThat(ws.subprotocol()).isEqualTo("chat.v2");
    }

    @Test
    void plainGetOfAnotherPathIs404ThenClose() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write("GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(c.readResponse().status()).isEqualTo(404);
        assertThat(c.readsEndOfStream()).isTrue();
    }

    @Test
    void hixie76FrameOverTheLimitClosesTheConnection() throws Exception {
        start(b -> b.maxMessageSize(1024));
        RawClient c = client();
        c.write(HIXIE_REQUEST);
        assertThat(c.readResponseHead().status()).isEqualTo(101);
        c.read(16);
        byte[] big = new byte[2000];
        Arrays.fill(big, (byte) 'x');
        big[0] = 0x00; // frame start; no 0xFF before the limit
        c.write(big);
        assertThat(c.read(2)).as("Hixie-76 close frame").isEqualTo(new byte[] {(byte) 0xFF, 0x00});
        assertThat(c.readsEndOfStream()).isTrue();
        assertThat(app.nextClose().code()).isEqualTo(1009);
    }

    @Test
    void hixie76FramesOfOtherTypesAreDiscardedAndTheConnectionGoesOn() throws Exception {
        start(b -> b);
        RawClient c = client();
        c.write(HIXIE_REQUEST);
        assertThat(c.readResponseHead().status()).isEqualTo(101);
        c.read(16);
        // draft-76 5.3: a length-prefixed (high bit) frame and a sentinel frame of a type other than 0x00 are
        // read and discarded; only the 0x00 text frame after them is echoed
        c.write(new byte[] {(byte) 0x80, 0x03, 'a', 'b', 'c', 0x01, 'x', 'y', (byte) 0xFF, 0x00, 'o', 'k', (byte) 0xFF});
        assertThat(c.read(4)).isEqualTo(new byte[] {0x00, 'o', 'k', (byte) 0xFF});
    }

    @Test
    void shutdownEndsAtTheGraceDeadlineWhenClientsNeverAnswer() throws Exception {
        start(b -> b); // close timeout 5 s: longer than the grace, so only the deadline can end it
        RawClient silent = client();
        silent.upgrade(13);
        RawClient halfway = client();
        halfway.write(HIXIE_REQUEST.substring(0, HIXIE_REQUEST.length() - 4)); // key3 incomplete
        assertThat(app.opened.poll(10, TimeUnit.SECONDS)).isNotNull();

        long t0 = System.nanoTime();
        var done = server.shutdown(Duration.ofMillis(800));
        assertThat(halfway.readsEndOfStream()).as("a connection still in its handshake is just closed").isTrue();
        assertThat(silent.readFrame().closeCode()).isEqualTo(1001);
        assertThat(silent.readsEndOfStream()).as("force-closed at the deadline").isTrue();
        done.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(700L, 4_000L);
        assertThat(app.nextClose().code()).isEqualTo(1001);
    }

    /** Writes {@code bytes} one per segment (TCP_NODELAY, a pause between), so the server sees small reads. */
    private static void writeByteByByte(RawClient c, byte[] bytes) throws Exception {
        for (byte b : bytes) {
            c.write(new byte[] {b});
            Thread.sleep(1);
        }
    }

    @Nested
    @DisplayName("RFC 9112 section 3 / RFC 9110 section 5.6.2: bytes that cannot start a request get 400 and a close at once")
    class NotAnHttpRequest {
        /** A handshake timeout far longer than the test: only the early refusal can answer in time. */
        private void startWithLongHandshakeTimeout() {
            start(b -> b.handshakeTimeout(Duration.ofSeconds(60)));
        }

        private void assertRefusedAtOnce(RawClient c, long t0) throws Exception {
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readsEndOfStream()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("not the handshake timeout")
                .isLessThan(5_000L);
            assertThat(handler.stats().handshakesRejected()).isEqualTo(1);
            assertThat(handler.stats().handshakeTimeouts()).isZero();
        }

        @Test
        @DisplayName("a TLS ClientHello on the plain port")
        void tlsClientHello() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            long t0 = System.nanoTime();
            c.write(ClientWire.tlsClientHello("127.0.0.1"));
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).contains("TLS");
            assertThat(c.readsEndOfStream()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
        }

        @Test
        @DisplayName("a real TLS client fails its handshake at once instead of waiting")
        void realTlsClientFailsFast() throws Exception {
            startWithLongHandshakeTimeout();
            javax.net.ssl.SSLSocketFactory f = javax.net.ssl.SSLContext.getDefault().getSocketFactory();
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) f.createSocket("127.0.0.1", server.port())) {
                s.setSoTimeout(5_000);
                long t0 = System.nanoTime();
                Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, s::startHandshake);
                assertThat(e).as("an answer, not a read timeout").isNotInstanceOf(java.net.SocketTimeoutException.class);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
            }
        }

        @Test
        @DisplayName("its first byte alone is enough: nothing more is sent")
        void firstByteAlone() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            long t0 = System.nanoTime();
            c.write(new byte[] {0x16});
            assertRefusedAtOnce(c, t0);
        }

        @Test
        @DisplayName("binary garbage")
        void binaryGarbage() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            byte[] garbage = new byte[512];
            new Random(3).nextBytes(garbage);
            garbage[0] = (byte) 0x80;
            long t0 = System.nanoTime();
            c.write(garbage);
            assertRefusedAtOnce(c, t0);
        }

        @Test
        @DisplayName("after leading empty lines, in 1-byte reads")
        void afterEmptyLinesByteByByte() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            long t0 = System.nanoTime();
            writeByteByByte(c, new byte[] {'\r', '\n', 0x00});
            assertRefusedAtOnce(c, t0);
        }

        @Test
        @DisplayName("a valid upgrade in 1-byte reads still opens and echoes")
        void validUpgradeByteByByte() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            writeByteByByte(c, RawClient.hybiRequest(13).getBytes(StandardCharsets.ISO_8859_1));
            Response r = c.readResponseHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawClient.ACCEPT);
            c.sendText("one byte at a time");
            assertThat(c.readFrame().text()).isEqualTo("one byte at a time");
        }

        @Test
        @DisplayName("a lowercase method in 1-byte reads is a token, not garbage: 405")
        void lowercaseMethodIs405() throws Exception {
            startWithLongHandshakeTimeout();
            RawClient c = client();
            // the request line only: the 405 comes as soon as it is complete, and the connection closes behind it
            writeByteByByte(c, "get /chat HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("GET");
            assertThat(c.readsEndOfStream()).isTrue();
        }
    }

    @Nested
    @DisplayName("RFC 6455 section 4.2.1: WebSocket handshake headers without Upgrade: websocket get a 400 that says why")
    class HandshakeHeadersWithoutUpgrade {
        @ParameterizedTest(name = "version {0}")
        @ValueSource(ints = {7, 8, 13})
        @DisplayName("a HyBi handshake that lost its Upgrade header")
        void hybi(int version) throws Exception {
            start(b -> b);
            RawClient c = client();
            c.write(RawClient.hybiRequest(version).replace("Upgrade: websocket\r\n", ""));
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).contains("without 'Upgrade: websocket'").doesNotContain("Keel WebSocket server");
            assertThat(c.readsEndOfStream()).isTrue();
            assertThat(handler.stats().httpRequests()).as("not served by the fallback").isZero();
            assertThat(handler.stats().handshakesRejected()).isEqualTo(1);
        }

        @Test
        @DisplayName("a Hixie-76 handshake that lost its Upgrade header")
        void hixie76() throws Exception {
            start(b -> b);
            RawClient c = client();
            c.write(HIXIE_REQUEST.replace("Upgrade: WebSocket\r\n", ""));
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).contains("Sec-WebSocket-Key");
            assertThat(c.readsEndOfStream()).isTrue();
        }

        @Test
        @DisplayName("a plain GET without any of them still gets the page")
        void plainGet() throws Exception {
            start(b -> b);
            RawClient c = client();
            c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n\r\n");
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("Keel WebSocket server");
        }
    }

    @Nested
    @DisplayName("RFC 9112 section 3.2.2: absolute-form request-target over a real socket")
    class AbsoluteForm {
        /** Records what the application sees of the request in onOpen (the request is gone afterwards). */
        private final BlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();

        private void startRecordingHosts() {
            start(new RecordingEchoApp() {
                @Override
                public void onOpen(WebSocket ws) {
                    seen.add(ws.request().host() + " " + ws.request().target() + " " + ws.path());
                    super.onOpen(ws);
                }
            }, b -> b);
        }

        @ParameterizedTest(name = "version {0}, {1}")
        @CsvSource({"13, ws", "13, wss", "8, http", "7, https"})
        @DisplayName("HyBi: 101, path() is the URI's path, host() its authority, and the echo works")
        void hybi(int version, String scheme) throws Exception {
            startRecordingHosts();
            RawClient c = client();
            String authority = "127.0.0.1:" + server.port();
            c.write(ClientWire.hybiRequest(scheme + "://" + authority + "/chat?room=1", version));
            Response r = c.readResponseHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo(RawClient.ACCEPT);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(authority + " /chat?room=1 /chat");
            c.sendText("absolute");
            assertThat(c.readFrame().text()).isEqualTo("absolute");
        }

        @Test
        @DisplayName("Hixie-76: the Location echoes the requested URL (authority from the URI, not the Host header)")
        void hixie76() throws Exception {
            startRecordingHosts();
            RawClient c = client();
            c.write(HIXIE_REQUEST.replace("GET /demo ", "GET ws://example.org:8080/demo?x=1 "));
            Response r = c.readResponseHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Location")).isEqualTo("ws://example.org:8080/demo?x=1");
            assertThat(c.read(16)).isEqualTo(HIXIE_ANSWER.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("example.org:8080 /demo?x=1 /demo");
            byte[] frame = {0x00, 'h', 'i', (byte) 0xFF};
            c.write(frame);
            assertThat(c.read(frame.length)).isEqualTo(frame);
        }

        @Test
        @DisplayName("a plain GET in absolute-form reaches the fallback with the origin-form path")
        void plainGet() throws Exception {
            start(b -> b);
            RawClient page = client();
            page.write("GET http://127.0.0.1:" + server.port() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            Response r = page.readResponse();
            assertThat(r.status()).as("empty path: /").isEqualTo(200);
            assertThat(r.bodyText()).contains("Keel WebSocket server");
            RawClient missing = client();
            missing.write("GET http://127.0.0.1/nope?x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(missing.readResponse().status()).isEqualTo(404);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"ws:///chat", "ws://user@127.0.0.1/chat", "ftp://127.0.0.1/chat", "ws://127.0.0.1/chat#x"})
        @DisplayName("a malformed absolute URI: 400 and close, as soon as the request line is in")
        void malformedIs400(String target) throws Exception {
            start(b -> b.handshakeTimeout(Duration.ofSeconds(60)));
            RawClient c = client();
            c.write("GET " + target + " HTTP/1.1\r\n"); // the headers never come
            Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).containsAnyOf("URI", "request target");
            assertThat(c.readsEndOfStream()).isTrue();
            assertThat(app.opened).isEmpty();
        }
    }
}
