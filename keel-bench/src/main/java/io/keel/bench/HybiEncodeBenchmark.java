package io.keel.bench;

import io.keel.websocket.protocol.HybiFrameEncoder;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import io.keel.websocket.protocol.WebSocketSession;
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
import java.util.concurrent.TimeUnit;

/**
 * HyBi (RFC 6455) server frame encoding: {@link HybiFrameEncoder#writeHeader} into a reused buffer, and the
 * session's send path ({@code sendText}/{@code sendBinary}: header into the session's reused buffer, then one
 * {@code OutputSink.writeFrame}) to a counting sink. {@code size} 32 → 2-byte header, 512/16384 → 4-byte,
 * 70000 → 10-byte.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HybiEncodeBenchmark {
    @Param({"32", "512", "16384", "70000"})
    public int size;

    private final ByteBuffer header = ByteBuffer.allocate(HybiFrameEncoder.MAX_HEADER_SIZE);
    private ByteBuffer text;
    private ByteBuffer data;
    private WebSocketSession<Boolean> session;
    private BenchSupport.CountingSink sink;

    @Setup(Level.Trial)
    public void setup() {
        text = BenchSupport.buffer(BenchSupport.ascii(size), false);
        data = BenchSupport.buffer(BenchSupport.binary(size), false);
        sink = new BenchSupport.CountingSink();
        session = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(),
                new BenchSupport.CountingListener(), sink);
        BenchSupport.check(sendText() && sendBinary(), "send");
        BenchSupport.check(sink.bytes == 2L * (HybiFrameEncoder.headerSize(size) + size), "sink bytes " + sink.bytes);
    }

    @Benchmark
    public int writeHeader() {
        ByteBuffer h = header;
        h.clear();
        HybiFrameEncoder.writeHeader(h, true, Opcode.BINARY, size);
        return h.position();
    }

    @Benchmark
    public boolean sendText() {
        return session.sendText(text) != null;
    }

    @Benchmark
    public boolean sendBinary() {
        return session.sendBinary(data) != null;
    }
}
