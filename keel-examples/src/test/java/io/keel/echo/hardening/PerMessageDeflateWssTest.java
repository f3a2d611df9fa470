package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keel.tls.TlsProvider;
import io.keel.websocket.DeflateWire;
import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * permessage-deflate through the program's echo handler over wss:// with both TLS providers (and ws:// for
 * comparison): Autobahn 12.x sizes (16 B to 128 KiB), text and binary, whole and fragmented, with the 13.x offers
 * that matter for the server (context takeover or not), in both modes; whole-message mode echoes compressed,
 * streaming mode too when the message came as one fragment (else its fragments go back uncompressed). Every echo
 * exact; no codec alive afterwards.
 */
class PerMessageDeflateWssTest {
    private static final int[] SIZES = {16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072};
    private static final String[] OFFERS = {"permessage-deflate; client_max_window_bits",
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=15"};

    static Stream<Arguments> cases() {
        return Stream.of(TlsProvider.JDK, TlsProvider.OPENSSL, null).flatMap(p ->
            Stream.of(DeflateMode.SHARED, DeflateMode.DEDICATED).flatMap(m ->
                Stream.of(false, true).map(streaming -> Arguments.of(p == null ? "ws" : p.name(), m, streaming))));
    }

    static byte[] payload(int size, boolean text, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        byte[] words = "keel deflate wss echo \u00e9\u20ac {\"a\":[1,2,3]} ".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) {
            b[i] = text ? (byte) (r.nextInt(9) == 0 ? ' ' + r.nextInt(90) : 'a' + (i * 7 + r.nextInt(2)) % 26)
                : (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : words[i % words.length]);
        }
        return b;
    }

    @ParameterizedTest(name = "{0} {1} streaming={2}")
    @MethodSource("cases")
    void echoesExactlyInEveryMode(String transport, DeflateMode mode, boolean streaming) throws Exception {
        TlsProvider provider = transport.equals("ws") ? null : TlsProvider.valueOf(transport);
        assumeTrue(provider != TlsProvider.OPENSSL || TlsProvider.OPENSSL.isAvailable(), "netty-tcnative not loadable");
        try (Rig rig = Rig.start(new io.keel.echo.WebSocketEchoHandler(),
                b -> b.streaming(streaming).compression(PerMessageDeflateConfig.of(mode)), provider, null,
                UnaryOperator.identity())) {
            for (String offer : OFFERS) {
                try (Wire w = new Wire(rig.server.localAddress(), provider != null);
                     DeflateWire c = new DeflateWire(w.in, w.out)) {
                    String answer = c.upgrade(offer);
                    assertThat(answer).startsWith("permessage-deflate");
                    for (int size : SIZES) {
                        for (int round = 0; round < 4; round++) {
                            boolean text = round % 2 == 0;
                            byte[] m = payload(size, text, size + round / 2);
                            c.send(text ? 1 : 2, m, true, round == 3 ? 3 : 1);
                            DeflateWire.Message e = c.read();
                            assertThat(e.opcode()).isEqualTo(text ? 1 : 2);
                            assertThat(e.payload()).as("%s echo of %d bytes", transport, size).isEqualTo(m);
                            // streaming: a message inflated within one chunk is one fragment (first and last),
                            // which the echo sends back whole, so compressed; longer ones go back in uncompressed pieces
                            assertThat(e.compressed()).as("compressed echo of %d bytes", size)
                                .isEqualTo(size >= 256 && (!streaming || size < 32768));
                        }
                    }
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (rig.ws.stats().compression().liveCodecs() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(rig.ws.stats().compression().liveCodecs()).isZero();
            assertThat(rig.ws.stats().compression().compressedBytesIn())
                .isLessThan(rig.ws.stats().compression().uncompressedBytesIn());
        }
    }
}
