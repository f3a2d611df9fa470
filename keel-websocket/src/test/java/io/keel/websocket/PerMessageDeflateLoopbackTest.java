package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.LogCapture;
import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.protocol.deflate.DeflateMemoryBudget;
import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * permessage-deflate over ws:// against the echo, the equivalent of Autobahn|Testsuite's 12.x (payload sizes
 * 16 B to 128 KiB, text and binary, context takeover, many messages per connection) and 13.x (the offers' parameter
 * combinations) families, strict: every echo must be exact, compressed at and above the threshold, and the answer
 * must be what the mode promises. Also: no codec left alive after the connections close.
 */
class PerMessageDeflateLoopbackTest {
    /** Autobahn 12.x/13.x payload sizes. */
    static final int[] SIZES = {16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072};
    /** The offers of Autobahn 13.1-13.7 (client_max_window_bits 8 is sent as 9: zlib's raw deflate has no 8). */
    static final List<String> OFFERS = List.of(
        "permessage-deflate",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; client_max_window_bits=9",
        "permessage-deflate; client_max_window_bits=15",
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=9",
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=15",
        "permessage-deflate; server_max_window_bits=9, permessage-deflate; client_max_window_bits, permessage-deflate",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits");

    private Server server;
    private WebSocketProtocolHandler layer;
    private LogCapture log;
    private final List<WebSocket> opened = new CopyOnWriteArrayList<>();

    private void start(PerMessageDeflateConfig cfg, int loops) {
        log = LogCapture.start();
        layer = WebSocketProtocolHandler.builder(new WebSocketHandler() {
            @Override
            public void onOpen(WebSocket ws) {
                opened.add(ws);
            }

            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                ws.sendText(utf8);
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                ws.sendBinary(data);
            }
        }).compression(cfg).build();
        server = TestServers.start(Server.builder().ioThreads(loops).handler(layer));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            TestServers.closeAndCheckLeaks(server);
            log.assertNoErrors();
            log.close();
        }
    }

    static byte[] payload(int size, boolean text, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        String[] words = {"keel ", "deflate ", "é ", "€uro ", "{\"n\": 12} ", "echo "};
        int i = 0;
        while (i < size) {
            byte[] w = text ? words[r.nextInt(words.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : new byte[] {(byte) r.nextInt(16), (byte) (r.nextInt(4) * 60)};
            if (i + w.length > size) {
                w = new byte[] {'x'};
            }
            System.arraycopy(w, 0, b, i, w.length);
            i += w.length;
        }
        return b;
    }

    static Stream<Arguments> modesAndOffers() {
        return Stream.of(DeflateMode.SHARED, DeflateMode.DEDICATED)
            .flatMap(m -> OFFERS.stream().map(o -> Arguments.of(m, o)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("modesAndOffers")
    void autobahn12And13Equivalent(DeflateMode mode, String offer) throws Exception {
        start(PerMessageDeflateConfig.of(mode), 1);
        try (Socket s = new Socket("127.0.0.1", server.port()); DeflateWire c = new DeflateWire(s.getInputStream(),
                s.getOutputStream())) {
            s.setSoTimeout(10_000);
            String answer = c.upgrade(offer);
            if (mode == DeflateMode.SHARED) {
                assertThat(answer).isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
            } else {
                assertThat(answer).startsWith("permessage-deflate").doesNotContain("window_bits");
                assertThat(answer.contains("client_no_context_takeover"))
                    .isEqualTo(offer.startsWith("permessage-deflate; client_no_context_takeover"));
                assertThat(answer.contains("server_no_context_takeover")).isEqualTo(offer.contains("server_no_context"));
            }
            echoAll(c, 6);
        }
        awaitReleased();
    }

    /** Every size, text and binary, whole and in 3 frames, {@code rounds} times each: exact echoes. */
    static void echoAll(DeflateWire c, int rounds) throws Exception {
        for (int size : SIZES) {
            for (int round = 0; round < rounds; round++) {
                boolean text = round % 2 == 0;
                byte[] m = payload(size, text, size * 31L + round / 2); // repeats: context takeover pays
                c.send(text ? 1 : 2, m, true, round % 3 == 2 ? 3 : 1);
                DeflateWire.Message e = c.read();
                assertThat(e.opcode()).isEqualTo(text ? 1 : 2);
                assertThat(e.payload()).as("echo of %d bytes, round %d", size, round).isEqualTo(m);
                assertThat(e.compressed()).as("compressed echo of %d bytes", size)
                    .isEqualTo(size >= PerMessageDeflateConfig.DEFAULT_THRESHOLD);
            }
        }
    }

    private void awaitReleased() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((layer.stats().compression().liveCodecs() != 0 || layer.stats().open() != 0)
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.sleep(0, 100_000); // polling a condition with a deadline, not a sleep to synchronise
        }
        assertThat(layer.stats().compression().liveCodecs()).isZero();
        assertThat(layer.stats().open()).isZero();
    }

    @Test
    void uncompressedMessagesStillWorkAndClientsWithoutTheOfferGetNone() throws Exception {
        start(PerMessageDeflateConfig.of(DeflateMode.SHARED), 1);
        try (Socket s = new Socket("127.0.0.1", server.port()); DeflateWire c = new DeflateWire(s.getInputStream(),
                s.getOutputStream())) {
            assertThat(c.upgrade("permessage-deflate")).isNotEmpty();
            c.send(1, payload(5000, true, 1), false, 2); // a client may send any message uncompressed
            DeflateWire.Message e = c.read();
            assertThat(e.payload()).isEqualTo(payload(5000, true, 1));
            assertThat(e.compressed()).isTrue(); // the server compresses its answer anyway
        }
        try (Socket s = new Socket("127.0.0.1", server.port()); DeflateWire c = new DeflateWire(s.getInputStream(),
                s.getOutputStream())) {
            assertThat(c.upgrade()).isEmpty();
            c.send(2, payload(5000, false, 2), false, 1);
            DeflateWire.Message e = c.read();
            assertThat(e.compressed()).isFalse();
            assertThat(opened.get(1).extensions()).isEmpty();
        }
        assertThat(opened.get(0).extensions())
            .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    }

    @Test
    void offModeDeclinesAndRsv1IsThen1002() throws Exception {
        start(PerMessageDeflateConfig.of(DeflateMode.OFF), 1);
        try (Socket s = new Socket("127.0.0.1", server.port()); DeflateWire c = new DeflateWire(s.getInputStream(),
                s.getOutputStream())) {
            assertThat(c.upgrade("permessage-deflate")).isEmpty();
            c.send(1, payload(100, true, 3), true, 1);
            DeflateWire.Message close = c.read();
            assertThat(close.opcode()).isEqualTo(8);
            assertThat(((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF)).isEqualTo(1002);
        }
    }

    @Test
    void sharedConnectionsHoldNoCodecOfTheirOwnAndDedicatedOnesAreReleased() throws Exception {
        // a budget for two dedicated connections: the third gets shared
        start(new PerMessageDeflateConfig(DeflateMode.DEDICATED, 256, 2 * DeflateMemoryBudget.BYTES_PER_CONNECTION), 1);
        Socket[] sockets = new Socket[4];
        DeflateWire[] clients = new DeflateWire[4];
        for (int i = 0; i < 4; i++) {
            sockets[i] = new Socket("127.0.0.1", server.port());
            sockets[i].setSoTimeout(10_000);
            clients[i] = new DeflateWire(sockets[i].getInputStream(), sockets[i].getOutputStream());
            clients[i].upgrade("permessage-deflate");
            clients[i].send(1, payload(1000, true, i), true, 1);
            assertThat(clients[i].read().payload()).isEqualTo(payload(1000, true, i));
        }
        assertThat(clients[0].extensions()).isEqualTo("permessage-deflate");
        assertThat(clients[1].extensions()).isEqualTo("permessage-deflate");
        assertThat(clients[2].extensions()).contains("server_no_context_takeover");
        // the shared connections use their loop's one codec: the same object, no per-connection state
        SessionBridge a = (SessionBridge) opened.get(2);
        SessionBridge b = (SessionBridge) opened.get(3);
        assertThat(a.session.compression()).isSameAs(b.session.compression());
        assertThat(a.session.compression().isDedicated()).isFalse();
        assertThat(layer.stats().compression().liveCodecs()).isEqualTo(4); // 2 dedicated x (inflater + deflater)
        assertThat(layer.stats().compression().dedicatedNegotiated()).isEqualTo(2);
        assertThat(layer.stats().compression().sharedNegotiated()).isEqualTo(2);
        for (int i = 0; i < 4; i++) {
            clients[i].close();
            sockets[i].close();
        }
        awaitReleased();
        assertThat(layer.compression.negotiator.budget().reservedBytes()).isZero();
    }

    @Test
    void shutdownReleasesDedicatedCodecs() throws Exception {
        start(PerMessageDeflateConfig.of(DeflateMode.DEDICATED), 2);
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(10_000);
        DeflateWire c = new DeflateWire(s.getInputStream(), s.getOutputStream());
        c.upgrade("permessage-deflate");
        c.send(2, payload(4000, false, 1), true, 1);
        c.read();
        assertThat(layer.stats().compression().liveCodecs()).isEqualTo(2);
        server.shutdown(java.time.Duration.ofMillis(200)).join();
        assertThat(layer.stats().compression().liveCodecs()).isZero();
        assertThat(layer.compression.negotiator.budget().reservedBytes()).isZero();
        c.close();
        s.close();
    }

    @Test
    void hybi08AndHixie76NeverNegotiate() throws IOException {
        start(PerMessageDeflateConfig.of(DeflateMode.SHARED), 1);
        try (RawClient raw = new RawClient(server.localAddress())) {
            raw.write(ClientWire.hybiRequest("/", 8).replace("\r\n\r\n",
                "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"));
            RawClient.Response r = raw.readResponseHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Extensions")).isNull();
        }
    }
}
