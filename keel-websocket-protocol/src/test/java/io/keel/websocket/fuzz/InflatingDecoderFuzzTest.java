package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.keel.websocket.protocol.DeflateClient;
import io.keel.websocket.protocol.OutputSink;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import io.keel.websocket.protocol.deflate.DeflateAgreement;
import io.keel.websocket.protocol.deflate.DeflateScratch;
import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * The inflating decoder (permessage-deflate, RFC 7692) under random and mutated compressed frames: valid
 * compressed messages with bytes flipped, cut or appended, random RSV bits and opcodes, random read splits, shared
 * and dedicated codecs, accumulate and streaming mode. Invariants: no exception escapes; the only failures are the
 * documented close codes 1002, 1007, 1009; nothing delivered exceeds the message limit; allocation per input stays
 * under twice the limit plus the input (no bomb gets through).
 */
class InflatingDecoderFuzzTest {
    private static final Set<Integer> DOCUMENTED = Set.of(1002, 1007, 1009);
    private static final int[] LIMITS = {125, 4096, 65_536, 1 << 20};

    @FuzzTest(maxDuration = "10s")
    void inflatingDecoder(FuzzedDataProvider d) {
        int limit = d.pickValue(LIMITS);
        // a first path through the code loads classes and bootstraps string concatenation (megabytes): generous
        run(d.consumeBoolean(), d.consumeBoolean(), limit, d.consumeLong(), d.consumeRemainingAsBytes(), 32 << 20);
    }

    @Test
    void mutatedCompressedFramesGiveOnlyDocumentedOutcomes() {
        Random r = new Random(7692);
        for (int i = 0; i < 1500; i++) {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            int messages = 1 + r.nextInt(4);
            Deflater client = new Deflater(r.nextInt(10), true);
            for (int m = 0; m < messages; m++) {
                byte[] data = payload(r);
                byte[] z = DeflateClient.syncFlush(client, data);
                mutate(r, z);
                int b0 = (r.nextInt(8) == 0 ? r.nextInt(8) << 4 : 0x40) | (r.nextInt(6) == 0 ? r.nextInt(16) : 1 + r.nextInt(2));
                writeFrame(in, 0x80 | b0, z, r);
            }
            // the first runs load classes and bootstrap string concatenation: their allocation says nothing
            run(r.nextBoolean(), r.nextBoolean(), LIMITS[r.nextInt(LIMITS.length)], r.nextLong(), in.toByteArray(),
                i < 100 ? Long.MAX_VALUE / 2 : 4 << 20);
        }
    }

    private static byte[] payload(Random r) {
        int n = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(20);
            case 1 -> r.nextInt(2000);
            case 2 -> r.nextInt(100_000);
            default -> r.nextInt(3_000_000); // mostly zeros: a small bomb
        };
        byte[] b = new byte[n];
        if (n < 100_000) {
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (r.nextInt(5) == 0 ? r.nextInt(256) : 'a' + r.nextInt(4));
            }
        }
        return b;
    }

    private static void mutate(Random r, byte[] z) {
        switch (r.nextInt(4)) {
            case 0 -> {
                // left valid
            }
            case 1 -> {
                for (int k = 0; k < 1 + r.nextInt(4) && z.length > 0; k++) {
                    z[r.nextInt(z.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 2 -> {
                if (z.length > 0) {
                    z[r.nextInt(z.length)] = (byte) r.nextInt(256);
                }
            }
            default -> r.nextBytes(z);
        }
    }

    private static void writeFrame(ByteArrayOutputStream out, int b0, byte[] p, Random r) {
        out.write(b0);
        int n = p.length;
        if (n < 126) {
            out.write(0x80 | n);
        } else if (n <= 0xFFFF) {
            out.write(0x80 | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x80 | 127);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) ((long) n >>> s));
            }
        }
        byte[] k = new byte[4];
        r.nextBytes(k);
        out.writeBytes(k);
        for (int i = 0; i < n; i++) {
            out.write(p[i] ^ k[i & 3]);
        }
    }

    /** Feeds {@code input} in random splits to a compressed session and checks the invariants. */
    static void run(boolean streaming, boolean dedicated, int limit, long seed, byte[] input, long slack) {
        WebSocketConfig cfg = WebSocketConfig.defaults().withMaxMessageSize(limit).withStreaming(streaming);
        DeflateStats stats = new DeflateStats();
        DeflateScratch scratch = new DeflateScratch();
        PerMessageDeflate codec = dedicated
            ? PerMessageDeflate.dedicated(scratch, new DeflateAgreement(true, false, false, "permessage-deflate"), stats)
            : scratch.shared();
        Checker app = new Checker(limit);
        WebSocketSession<Boolean> s = new WebSocketSession<>(ProtocolVersion.RFC_6455, cfg, app, app);
        s.enableCompression(codec, 0, stats);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        Random r = new Random(seed);
        int i = 0;
        while (i < input.length) {
            int n = Math.min(input.length - i, 1 + r.nextInt(r.nextBoolean() ? 64 : 70_000));
            s.receive(ByteBuffer.wrap(Arrays.copyOfRange(input, i, i + n)));
            i += n;
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        codec.end();
        assertThat(stats.liveCodecs()).isZero();
        assertThat(allocated).as("allocation for %d input bytes, limit %d", input.length, limit)
            .isLessThan(4L * limit + 6L * input.length + slack);
        if (app.error != 0) {
            assertThat(DOCUMENTED).contains(app.error);
        }
    }

    static final class Checker implements WebSocketListener, OutputSink<Boolean> {
        private final int limit;
        private long streamed;
        int error;

        Checker(int limit) {
            this.limit = limit;
        }

        @Override
        public void onText(ByteBuffer utf8) {
            assertThat(utf8.remaining()).isLessThanOrEqualTo(limit);
        }

        @Override
        public void onBinary(ByteBuffer data) {
            assertThat(data.remaining()).isLessThanOrEqualTo(limit);
        }

        @Override
        public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
            streamed = (first ? 0 : streamed) + data.remaining();
            assertThat(streamed).isLessThanOrEqualTo(limit);
        }

        @Override
        public void onProtocolError(int closeCode, String reason) {
            error = closeCode;
        }

        @Override
        public Boolean writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
            return true;
        }
    }
}
