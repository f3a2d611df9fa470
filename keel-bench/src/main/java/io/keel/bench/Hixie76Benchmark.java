package io.keel.bench;

import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.Hixie76FrameEncoder;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Hixie-76 framing of 32 B text frames ({@code 0x00 <utf-8> 0xFF}): decode through {@link WebSocketSession#receive}
 * (accumulate mode, counting listener; the input is not modified, so it is just rewound), the session's
 * {@code sendText} to a counting sink, and {@link Hixie76FrameEncoder#writeText} copying into a reused buffer.
 * Heap buffers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Hixie76Benchmark {
    private ByteBuffer frame;
    private ByteBuffer text;
    private final ByteBuffer out = ByteBuffer.allocate(64);
    private WebSocketSession<Boolean> session;
    private BenchSupport.CountingListener listener;
    private BenchSupport.CountingSink sink;

    @Setup(Level.Trial)
    public void setup() {
        byte[] payload = BenchSupport.ascii(32);
        frame = BenchSupport.buffer(BenchSupport.concat(new byte[] {0x00}, payload, new byte[] {(byte) 0xFF}), false);
        text = BenchSupport.buffer(payload, false);
        listener = new BenchSupport.CountingListener();
        sink = new BenchSupport.CountingSink();
        session = new WebSocketSession<>(ProtocolVersion.HIXIE_76, WebSocketConfig.defaults(), listener, sink);
        decode();
        decode();
        BenchSupport.check(listener.errors == 0 && listener.messages == 2 && listener.bytes == 64
                && session.closeState() == CloseState.OPEN, "decode");
        BenchSupport.check(sendText() && sink.bytes == 34, "send");
        BenchSupport.check(writeText() == 34, "writeText");
    }

    @Benchmark
    public long decode() {
        frame.position(0);
        session.receive(frame);
        return listener.messages;
    }

    @Benchmark
    public boolean sendText() {
        return session.sendText(text) != null;
    }

    @Benchmark
    public int writeText() {
        ByteBuffer o = out;
        o.clear();
        Hixie76FrameEncoder.writeText(o, text);
        return o.position();
    }
}
