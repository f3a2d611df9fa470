package io.keel.bench;

import io.keel.websocket.protocol.CloseState;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * HyBi (RFC 6455) decode of masked client frames through {@link WebSocketSession#receive} in accumulate mode (the
 * default config), with a counting listener and a counting sink. One op = one {@code receive} of the whole input
 * (or {@code reads} receives of consecutive slices of it, to model a frame arriving in several socket reads, which
 * takes the decoder's copy-into-accumulator path). The input is rewound, never re-copied (see
 * {@link BenchSupport#ASCII_SAFE_MASK}). {@code heap} models TLS (plaintext in heap buffers), {@code direct} the
 * TCP event loop's direct read buffer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HybiDecodeBenchmark {
    /**
     * text32: one 32 B text frame; binary512; binary16k; text32x64: one buffer holding 64 consecutive 32 B text
     * frames; binary16k_4reads: a 16 KiB binary frame fed as four 4 KiB-ish reads.
     */
    @Param({"text32", "binary512", "binary16k", "text32x64", "binary16k_4reads"})
    public String shape;

    @Param({"heap", "direct"})
    public String buffer;

    private ByteBuffer in;
    private int len;
    private int reads;
    private int messagesPerOp;
    private long payloadPerOp;
    private WebSocketSession<Boolean> session;
    private BenchSupport.CountingListener listener;

    @Setup(Level.Trial)
    public void setup() {
        byte[] wire;
        reads = 1;
        switch (shape) {
            case "text32" -> {
                wire = BenchSupport.clientFrame(Opcode.TEXT, BenchSupport.ascii(32), BenchSupport.ASCII_SAFE_MASK);
                messagesPerOp = 1;
                payloadPerOp = 32;
            }
            case "binary512" -> {
                wire = BenchSupport.clientFrame(Opcode.BINARY, BenchSupport.binary(512), BenchSupport.ASCII_SAFE_MASK);
                messagesPerOp = 1;
                payloadPerOp = 512;
            }
            case "binary16k", "binary16k_4reads" -> {
                wire = BenchSupport.clientFrame(Opcode.BINARY, BenchSupport.binary(16384), BenchSupport.ASCII_SAFE_MASK);
                messagesPerOp = 1;
                payloadPerOp = 16384;
                reads = shape.endsWith("_4reads") ? 4 : 1;
            }
            case "text32x64" -> {
                wire = BenchSupport.repeat(
                        BenchSupport.clientFrame(Opcode.TEXT, BenchSupport.ascii(32), BenchSupport.ASCII_SAFE_MASK), 64);
                messagesPerOp = 64;
                payloadPerOp = 64 * 32;
            }
            default -> throw new IllegalArgumentException(shape);
        }
        in = BenchSupport.buffer(wire, buffer.equals("direct"));
        len = wire.length;
        listener = new BenchSupport.CountingListener();
        session = new WebSocketSession<>(ProtocolVersion.RFC_6455, WebSocketConfig.defaults(), listener,
                new BenchSupport.CountingSink());
        // self-check: three rounds (masked, unmasked, masked payload) decode to the expected messages, no error
        for (int i = 0; i < 3; i++) {
            decode();
        }
        BenchSupport.check(listener.errors == 0 && session.closeState() == CloseState.OPEN, "decode error");
        BenchSupport.check(listener.messages == 3L * messagesPerOp, "messages " + listener.messages);
        BenchSupport.check(listener.bytes == 3L * payloadPerOp, "bytes " + listener.bytes);
    }

    @TearDown(Level.Trial)
    public void verify() {
        BenchSupport.check(listener.errors == 0 && listener.messages % messagesPerOp == 0, "decode error after run");
    }

    @Benchmark
    public long decode() {
        ByteBuffer b = in;
        if (reads == 1) {
            b.limit(len).position(0);
            session.receive(b);
        } else {
            int step = (len + reads - 1) / reads;
            b.position(0);
            for (int lim = step; ; lim += step) {
                b.limit(Math.min(lim, len));
                session.receive(b);
                if (lim >= len) {
                    break;
                }
            }
        }
        return listener.messages;
    }
}
