package io.keel.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz-style property test of {@link ProxyProtocolParser}: valid headers mutated (bytes flipped,
 * inserted, removed, truncated) and random bytes, fed whole and in random splits. Invariants: the only exception
 * is {@link ProxyProtocolException}; the outcome does not depend on the split (a caller re-parsing all bytes so far
 * sees NEED_MORE until the one-read outcome); a header is never longer than its limit nor than the input; the
 * input is untouched unless a header is returned.
 */
class ProxyProtocolFuzzTest {
    private static final int RUNS = 20_000;

    private static final List<byte[]> SEEDS = List.of(
        ProxyHeaders.v1("TCP4 192.0.2.1 198.51.100.2 56324 443"),
        ProxyHeaders.v1("TCP6 2001:db8::1 ::ffff:10.0.0.1 1 65535"),
        ProxyHeaders.v1("UNKNOWN"),
        ProxyHeaders.v2Tcp("203.0.113.9", 40000, "127.0.0.1", 8443, new byte[0]),
        ProxyHeaders.v2Tcp("2001:db8::7", 1234, "::1", 443, ProxyHeaders.tlv(1, "h2".getBytes(StandardCharsets.US_ASCII))),
        ProxyHeaders.v2(0x20, 0x00, new byte[0], new byte[0]));

    @Test
    void mutatedAndRandomInputs() {
        Random rnd = new Random(0x5EED_0F_1F);
        for (int run = 0; run < RUNS; run++) {
            byte[] in = run % 10 == 0 ? random(rnd) : mutate(SEEDS.get(rnd.nextInt(SEEDS.size())), rnd);
            check(in, rnd);
        }
    }

    private static void check(byte[] in, Random rnd) {
        Object whole = outcome(ByteBuffer.wrap(in));
        // the same bytes arriving in pieces: the caller re-parses all bytes so far after each piece
        int have = 0;
        Object split = null;
        while (have < in.length) {
            have = Math.min(in.length, have + 1 + rnd.nextInt(20));
            split = outcome(ByteBuffer.wrap(in, 0, have));
            if (!(split == null)) {
                break;
            }
        }
        if (in.length == 0) {
            assertThat(whole).isNull();
            return;
        }
        if (whole instanceof ProxyHeader h) {
            assertThat(h.length()).isLessThanOrEqualTo(in.length)
                .isLessThanOrEqualTo(Math.max(ProxyProtocolParser.MAX_V1_LENGTH, 16 + ProxyProtocolParser.MAX_V2_PAYLOAD));
            // once complete, the header is the same whatever came after it
            assertThat(split).isInstanceOf(ProxyHeader.class);
            assertThat(((ProxyHeader) split).length()).isEqualTo(h.length());
        } else if (whole instanceof String error) {
            assertThat(error).isNotBlank().doesNotContain("\n");
            // the error may show earlier in pieces only as the same kind of outcome: never a header
            assertThat(split).isNotInstanceOf(ProxyHeader.class);
        }
    }

    /** The header, the error message (String), or null for NEED_MORE; checks the buffer's position. */
    private static Object outcome(ByteBuffer b) {
        int p = b.position();
        try {
            ProxyHeader h = ProxyProtocolParser.parse(b);
            if (h == null) {
                assertThat(b.position()).isEqualTo(p);
                return null;
            }
            assertThat(b.position()).isEqualTo(p + h.length());
            return h;
        } catch (ProxyProtocolException e) {
            assertThat(b.position()).isEqualTo(p);
            return e.getMessage();
        }
    }

    private static byte[] random(Random rnd) {
        byte[] b = new byte[rnd.nextInt(200)];
        rnd.nextBytes(b);
        if (b.length > 0 && rnd.nextBoolean()) {
            b[0] = rnd.nextBoolean() ? (byte) 'P' : 0x0D;
        }
        return b;
    }

    private static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0 -> b[at] = (byte) rnd.nextInt(256);
                case 1 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> b = java.util.Arrays.copyOf(b, at); // truncated
                case 3 -> { // a byte inserted
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                default -> { // trailing data after the header
                    byte[] c = java.util.Arrays.copyOf(b, b.length + rnd.nextInt(40));
                    b = c;
                }
            }
        }
        return b;
    }
}
