package io.keel.bench;

import io.keel.websocket.protocol.HandshakeConfig;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.Handshaker;
import io.keel.websocket.protocol.ProtocolVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Server handshake: a fresh {@link Handshaker} (one per connection, as the glue does) fed the whole request in one
 * {@code receive}: parse, validate, compute the accept key (SHA-1 + Base64; Hixie-76: key numbers + MD5) and render
 * the 101 response. Allocates by nature (parser buffer, header strings/lists, response bytes): read B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandshakeBenchmark {
    /** What Chrome 131 sends for {@code new WebSocket("ws://example.com:8080/chat")}. */
    static final String CHROME_RFC6455 = """
            GET /chat HTTP/1.1\r
            Host: example.com:8080\r
            Connection: Upgrade\r
            Pragma: no-cache\r
            Cache-Control: no-cache\r
            User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r
            Upgrade: websocket\r
            Origin: http://example.com:8080\r
            Sec-WebSocket-Version: 13\r
            Accept-Encoding: gzip, deflate, br, zstd\r
            Accept-Language: en-US,en;q=0.9\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r
            \r
            """;

    /** The example request of draft-hixie-thewebsocketprotocol-76 (section 1.3), followed by its 8-byte body. */
    static final String HIXIE76 = """
            GET /demo HTTP/1.1\r
            Host: example.com\r
            Connection: Upgrade\r
            Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r
            Sec-WebSocket-Protocol: sample\r
            Upgrade: WebSocket\r
            Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r
            Origin: http://example.com\r
            \r
            ^n:ds[4U""";

    @Param({"rfc6455_chrome", "hixie76"})
    public String request;

    private final HandshakeConfig cfg = HandshakeConfig.defaults();
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void setup() {
        byte[] b = (request.equals("hixie76") ? HIXIE76 : CHROME_RFC6455).getBytes(StandardCharsets.ISO_8859_1);
        in = BenchSupport.buffer(b, false);
        HandshakeResult r = handshake();
        BenchSupport.check(r instanceof HandshakeResult.Accepted, "accepted: " + r);
        HandshakeResult.Accepted a = (HandshakeResult.Accepted) r;
        String resp = new String(a.response(), StandardCharsets.ISO_8859_1);
        if (request.equals("hixie76")) {
            BenchSupport.check(a.version() == ProtocolVersion.HIXIE_76 && resp.endsWith("8jKS'y:G*Co,Wxa-"), resp);
        } else {
            BenchSupport.check(a.version() == ProtocolVersion.RFC_6455
                    && resp.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), resp);
        }
        BenchSupport.check(!in.hasRemaining(), "consumed " + Arrays.toString(new int[] {in.position(), in.limit()}));
    }

    @Benchmark
    public HandshakeResult handshake() {
        in.position(0);
        return new Handshaker(cfg).receive(in);
    }
}
