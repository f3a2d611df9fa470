package io.keel.websocket.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Differential test of {@link Utf8Validator} against the JDK's strict UTF-8 decoder, on random valid, corrupted,
 * overlong, surrogate, above-U+10FFFF and truncated inputs, fed in two pieces split at every position (and in random
 * multi-piece splits), through every code path: heap buffers (with a non-zero array offset), direct buffers in both
 * byte orders, read-only heap buffers (no accessible array) and {@code byte[]}. The data sits inside padding bytes
 * that are invalid UTF-8, so reading outside {@code [from, to)} would be noticed.
 *
 * <p>Oracles, from the JDK only: the whole input is valid iff the strict decoder decodes it; the <em>first invalid
 * byte</em> (where the validator must fail, fail-fast) is the first index {@code j} such that {@code input[0..j]}
 * cannot be extended to valid UTF-8, i.e. the decoder rejects it followed by every candidate completion.
 */
class Utf8ValidatorDifferentialTest {
    private static final byte PAD = (byte) 0xFF;
    private static final int PAD_LEN = 37;

    private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private enum Kind { HEAP, DIRECT_BE, DIRECT_LE, READ_ONLY, ARRAY }

    @Test
    void agreesWithJdkStrictDecoderAtEverySplit() {
        Random r = new Random(0x5EED);
        int invalid = 0;
        for (int iter = 0; iter < 3000; iter++) {
            byte[] input = randomInput(r, iter);
            int firstBad = firstInvalidByte(input);
            if (firstBad >= 0) {
                invalid++;
            }
            for (Kind kind : Kind.values()) {
                checkAllSplits(input, firstBad, kind);
                checkRandomSplits(input, firstBad, kind, r);
            }
        }
        // both outcomes well represented
        assertThat(invalid).isBetween(600, 2400);
    }

    @Test
    void longAsciiRunsAroundNonAsciiAtEveryAlignment() {
        // exercise the 8/32-byte ASCII skip: one non-ASCII code point (valid or not) at every offset of a long run
        byte[][] inserts = {
            TestSupport.bytes(0xC3, 0xA9), TestSupport.bytes(0xE2, 0x82, 0xAC), TestSupport.bytes(0xF0, 0x9F, 0x98, 0x80),
            TestSupport.bytes(0x80), TestSupport.bytes(0xC0, 0xAF), TestSupport.bytes(0xED, 0xA0, 0x80),
            TestSupport.bytes(0xF4, 0x90, 0x80, 0x80), TestSupport.bytes(0xE2, 0x82), TestSupport.bytes(0xFF),
        };
        for (byte[] ins : inserts) {
            for (int at = 0; at <= 80; at++) {
                byte[] input = new byte[at + ins.length + 83 - at % 7];
                Arrays.fill(input, (byte) 'a');
                System.arraycopy(ins, 0, input, at, ins.length);
                int firstBad = firstInvalidByte(input);
                for (Kind kind : Kind.values()) {
                    checkAllSplits(input, firstBad, kind);
                }
            }
        }
    }

    /** Fed as {@code [0, k)} then {@code [k, n)} for every k. */
    private void checkAllSplits(byte[] input, int firstBad, Kind kind) {
        Fixture f = new Fixture(input, kind);
        boolean valid = firstBad < 0 && jdkValid(input);
        Utf8Validator v = new Utf8Validator();
        for (int k = 0; k <= input.length; k++) {
            v.reset();
            String what = kind + " split " + k + " of " + TestSupport.hex(input);
            boolean first = f.validate(v, 0, k);
            assertThat(first).as(what).isEqualTo(firstBad < 0 || firstBad >= k);
            boolean second = f.validate(v, k, input.length);
            assertThat(second).as(what).isEqualTo(firstBad < 0);
            assertThat(v.isValidSoFar()).as(what).isEqualTo(firstBad < 0);
            assertThat(v.isComplete()).as(what).isEqualTo(valid);
            assertThat(f.validate(v, 0, 0)).as(what).isEqualTo(firstBad < 0); // empty range: state unchanged
        }
        assertThat(Utf8Validator.isValid(f.whole())).isEqualTo(valid);
        assertThat(Utf8Validator.isValid(input, 0, input.length)).isEqualTo(valid);
    }

    /** Fed in 1..6 random pieces: the call containing the first invalid byte, and only it, returns false. */
    private void checkRandomSplits(byte[] input, int firstBad, Kind kind, Random r) {
        Fixture f = new Fixture(input, kind);
        Utf8Validator v = new Utf8Validator();
        int pieces = 1 + r.nextInt(6);
        int[] cuts = new int[pieces + 1];
        for (int i = 1; i < pieces; i++) {
            cuts[i] = r.nextInt(input.length + 1);
        }
        cuts[pieces] = input.length;
        Arrays.sort(cuts);
        for (int i = 0; i < pieces; i++) {
            boolean failedBefore = firstBad >= 0 && firstBad < cuts[i];
            boolean failsHere = firstBad >= cuts[i] && firstBad < cuts[i + 1];
            assertThat(f.validate(v, cuts[i], cuts[i + 1]))
                    .as(kind + " cuts " + Arrays.toString(cuts) + " of " + TestSupport.hex(input))
                    .isEqualTo(!failedBefore && !failsHere);
        }
        assertThat(v.isComplete()).isEqualTo(firstBad < 0 && jdkValid(input));
    }

    /** The input inside invalid padding, viewed through one of the validator's code paths. */
    private static final class Fixture {
        final Kind kind;
        final byte[] array;
        final ByteBuffer buf;
        final int base;
        final int n;

        Fixture(byte[] input, Kind kind) {
            this.kind = kind;
            this.n = input.length;
            byte[] padded = new byte[PAD_LEN + input.length + PAD_LEN];
            Arrays.fill(padded, PAD);
            System.arraycopy(input, 0, padded, PAD_LEN, input.length);
            switch (kind) {
                case HEAP -> {
                    // a slice: arrayOffset() != 0; the limit leaves trailing padding in the array
                    ByteBuffer b = ByteBuffer.wrap(padded, 5, padded.length - 10).slice();
                    assertThat(b.arrayOffset()).isEqualTo(5);
                    buf = b;
                    base = PAD_LEN - 5;
                    array = null;
                }
                case DIRECT_BE, DIRECT_LE -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(padded.length);
                    b.put(padded).clear();
                    b.order(kind == Kind.DIRECT_LE ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                    buf = b;
                    base = PAD_LEN;
                    array = null;
                }
                case READ_ONLY -> {
                    buf = ByteBuffer.wrap(padded).asReadOnlyBuffer();
                    assertThat(buf.hasArray()).isFalse();
                    base = PAD_LEN;
                    array = null;
                }
                default -> {
                    buf = null;
                    array = padded;
                    base = PAD_LEN;
                }
            }
        }

        boolean validate(Utf8Validator v, int from, int to) {
            return array != null ? v.validate(array, base + from, base + to) : v.validate(buf, base + from, base + to);
        }

        ByteBuffer whole() {
            if (array != null) {
                return ByteBuffer.wrap(array, base, n);
            }
            return buf.duplicate().order(buf.order()).position(base).limit(base + n);
        }
    }

    // ---- oracles (JDK strict decoder) ----

    private boolean jdkValid(byte[] b) {
        try {
            strict.decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Second bytes covering every lead's allowed range (E0: A0.., ED: ..9F, F0: 90.., F4: ..8F). */
    private static final int[] SECOND_BYTES = {0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF};

    /** Whether {@code b[0, len)} is valid or can be completed into valid UTF-8 (at most 3 more bytes needed). */
    private boolean validPrefix(byte[] b, int len) {
        byte[] p = Arrays.copyOf(b, len + 3);
        if (jdkValid(Arrays.copyOf(b, len))) {
            return true;
        }
        for (int c : SECOND_BYTES) {
            p[len] = (byte) c;
            p[len + 1] = (byte) 0x80;
            p[len + 2] = (byte) 0x80;
            for (int extra = 1; extra <= 3; extra++) {
                if (jdkValid(Arrays.copyOf(p, len + extra))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Index of the first byte after which the input can no longer become valid UTF-8, or -1. */
    private int firstInvalidByte(byte[] b) {
        if (validPrefix(b, b.length)) {
            return -1;
        }
        // prefix validity is monotone: binary search the shortest invalid prefix
        int lo = 0; // valid prefix length (the empty prefix is valid)
        int hi = b.length; // invalid prefix length
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (validPrefix(b, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi - 1;
    }

    // ---- input generators ----

    private static byte[] randomInput(Random r, int iter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int parts = 1 + r.nextInt(8);
        for (int i = 0; i < parts; i++) {
            switch (r.nextInt(10)) {
                case 0, 1 -> asciiRun(out, r, r.nextInt(3) == 0 ? 40 + r.nextInt(60) : r.nextInt(12));
                case 2, 3 -> validCodePoints(out, r, 1 + r.nextInt(10));
                case 4 -> out.writeBytes(overlong(r));
                case 5 -> out.writeBytes(surrogate(r));
                case 6 -> out.writeBytes(aboveMax(r));
                case 7 -> {
                    byte[] cp = encode(boundaryOrRandomCodePoint(r));
                    out.write(cp, 0, r.nextInt(cp.length)); // truncated (possibly to nothing)
                }
                case 8 -> {
                    byte[] junk = new byte[1 + r.nextInt(4)];
                    r.nextBytes(junk);
                    out.writeBytes(junk);
                }
                default -> validCodePoints(out, r, 1 + r.nextInt(4));
            }
        }
        byte[] b = out.toByteArray();
        if (iter % 3 == 0 && b.length > 0) {
            // mostly valid inputs for a third of the iterations: drop the invalid parts by re-encoding
            b = new String(b, StandardCharsets.UTF_8).replace("\uFFFD", "x").getBytes(StandardCharsets.UTF_8);
            if (iter % 6 == 0 && b.length > 0) {
                corrupt(b, r);
            }
        }
        return b;
    }

    private static void corrupt(byte[] b, Random r) {
        int i = r.nextInt(b.length);
        switch (r.nextInt(3)) {
            case 0 -> b[i] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[i] = (byte) r.nextInt(256);
            default -> b[i] = (byte) (0x80 + r.nextInt(0x40));
        }
    }

    private static void asciiRun(ByteArrayOutputStream out, Random r, int n) {
        for (int i = 0; i < n; i++) {
            out.write(r.nextInt(0x80));
        }
    }

    private static void validCodePoints(ByteArrayOutputStream out, Random r, int n) {
        for (int i = 0; i < n; i++) {
            int cp;
            do {
                cp = boundaryOrRandomCodePoint(r);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
            out.writeBytes(encode(cp));
        }
    }

    private static final int[] BOUNDARIES = {
        0x00, 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xCFFF, 0xD000, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
        0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF,
    };

    private static int boundaryOrRandomCodePoint(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> BOUNDARIES[r.nextInt(BOUNDARIES.length)];
            case 1 -> r.nextInt(0x80);
            case 2 -> 0x80 + r.nextInt(0x800 - 0x80);
            case 3 -> 0x800 + r.nextInt(0x10000 - 0x800);
            default -> 0x10000 + r.nextInt(0x110000 - 0x10000);
        };
    }

    /** Generic UTF-8 encoding of any value up to 0x1FFFFF (including surrogates and values above U+10FFFF). */
    private static byte[] encode(int cp) {
        if (cp < 0x80) {
            return new byte[] {(byte) cp};
        } else if (cp < 0x800) {
            return encodeWith(cp, 2);
        } else if (cp < 0x10000) {
            return encodeWith(cp, 3);
        }
        return encodeWith(cp, 4);
    }

    /** Encodes {@code cp} in exactly {@code len} bytes (overlong if it would fit in fewer). */
    private static byte[] encodeWith(int cp, int len) {
        byte[] b = new byte[len];
        for (int i = len - 1; i > 0; i--) {
            b[i] = (byte) (0x80 | (cp & 0x3F));
            cp >>>= 6;
        }
        b[0] = (byte) ((len == 2 ? 0xC0 : len == 3 ? 0xE0 : 0xF0) | cp);
        return b;
    }

    private static byte[] overlong(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> encodeWith(r.nextInt(0x80), 2); // C0/C1 ..
            case 1 -> encodeWith(r.nextInt(0x800), 3); // E0 80..9F ..
            default -> encodeWith(r.nextInt(0x10000), 4); // F0 80..8F .. ..
        };
    }

    private static byte[] surrogate(Random r) {
        return encodeWith(0xD800 + r.nextInt(0x800), 3); // ED A0..BF ..
    }

    private static byte[] aboveMax(Random r) {
        return encodeWith(0x110000 + r.nextInt(0x200000 - 0x110000), 4); // F4 90.. / F5..F7
    }
}
