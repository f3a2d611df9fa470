package io.keel.bench;

import io.keel.websocket.protocol.Masking;
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
 * In-place unmasking alone: the public {@link Masking#unmask} (8 bytes per XOR via getLong/putLong plus a
 * byte tail). Unmasking is an involution, so repeating it on the same buffer needs no reset..
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UnmaskBenchmark {
    @Param({"32", "512", "16384"})
    public int size;

    @Param({"heap", "direct"})
    public String buffer;

    private ByteBuffer buf;

    @Setup(Level.Trial)
    public void setup() {
        buf = BenchSupport.buffer(BenchSupport.binary(size), buffer.equals("direct"));
        byte[] before = BenchSupport.binary(size);
        Masking.unmask(buf, 0, size, BenchSupport.ASCII_SAFE_MASK, 0);
        Masking.unmask(buf, 0, size, BenchSupport.ASCII_SAFE_MASK, 0);
        byte[] after = new byte[size];
        buf.get(0, after);
        BenchSupport.check(java.util.Arrays.equals(before, after), "unmask twice is identity");
    }

    @Benchmark
    public ByteBuffer unmask() {
        Masking.unmask(buf, 0, size, BenchSupport.ASCII_SAFE_MASK, 0);
        return buf;
    }
}
