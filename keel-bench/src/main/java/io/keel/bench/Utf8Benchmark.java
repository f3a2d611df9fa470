package io.keel.bench;

import io.keel.websocket.protocol.Utf8Validator;
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
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * UTF-8 validation: Keel's incremental {@link Utf8Validator} (reused instance, as the decoders use it; and the
 * one-shot static {@code isValid}, used by Hixie-76 sendBinary and close reasons) vs the JDK's UTF-8
 * {@link CharsetDecoder} with REPORT actions decoding into a reused CharBuffer (the JDK has no validate-only API,
 * so the baseline also writes chars). Heap or direct buffers; {@code ascii} = printable ASCII, {@code mixed} = 1/2/3/4-byte
 * code points in rotation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Utf8Benchmark {
    @Param({"ascii", "mixed"})
    public String text;

    @Param({"32", "16384"})
    public int size;

    /** {@code heap} (TLS layer, one-shot checks) or {@code direct} (the TCP event loop's read buffer). */
    @Param({"heap", "direct"})
    public String buffer;

    private ByteBuffer buf;
    private final Utf8Validator validator = new Utf8Validator();
    private CharsetDecoder decoder;
    private CharBuffer chars;

    @Setup(Level.Trial)
    public void setup() {
        byte[] b = text.equals("ascii") ? BenchSupport.ascii(size) : BenchSupport.mixedUtf8(size);
        buf = BenchSupport.buffer(b, buffer.equals("direct"));
        decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        chars = CharBuffer.allocate(size);
        BenchSupport.check(keelValidator() && keelIsValidStatic() && jdkCharsetDecoder(), "valid");
        buf.put(size / 2, (byte) 0xFF);
        BenchSupport.check(!keelValidator() && !keelIsValidStatic() && !jdkCharsetDecoder(), "invalid detected");
        buf.put(0, b);
    }

    @Benchmark
    public boolean keelValidator() {
        Utf8Validator v = validator;
        v.reset();
        return v.validate(buf, 0, size) && v.isComplete();
    }

    @Benchmark
    public boolean keelIsValidStatic() {
        ByteBuffer in = buf;
        in.position(0);
        return Utf8Validator.isValid(in);
    }

    @Benchmark
    public boolean jdkCharsetDecoder() {
        ByteBuffer in = buf;
        in.position(0);
        chars.clear();
        CharsetDecoder d = decoder;
        d.reset();
        CoderResult r = d.decode(in, chars, true);
        return r.isUnderflow() && d.flush(chars).isUnderflow();
    }
}
