package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.Utf8Validator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** The JDK's strict UTF-8 decoder as the oracle for {@link Utf8Validator}. */
final class Utf8Oracle {
    private Utf8Oracle() {
    }

    private static CharsetDecoder strict() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Whole input is valid UTF-8 according to the JDK. */
    static boolean jdkValid(byte[] b) {
        try {
            strict().decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static final byte[] CONT = {(byte) 0x80, (byte) 0x8F, (byte) 0x90, (byte) 0x9F, (byte) 0xA0, (byte) 0xBF};

    /**
     * Whether {@code b[0, n)} can still be completed to valid UTF-8: it is valid, or valid after appending 1-3
     * continuation bytes (brute force over representative continuation values, judged by the JDK).
     */
    static boolean jdkValidSoFar(byte[] b, int n) {
        byte[] p = java.util.Arrays.copyOf(b, n + 3);
        if (jdkValid(java.util.Arrays.copyOf(b, n))) {
            return true;
        }
        for (int k = 1; k <= 3; k++) {
            int combos = (int) Math.pow(CONT.length, k);
            for (int c = 0; c < combos; c++) {
                int x = c;
                for (int j = 0; j < k; j++) {
                    p[n + j] = CONT[x % CONT.length];
                    x /= CONT.length;
                }
                if (jdkValid(java.util.Arrays.copyOf(p, n + k))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Index of the first byte after which the input can no longer be valid UTF-8, or {@code b.length}. */
    static int jdkFirstInvalid(byte[] b) {
        if (jdkValidSoFar(b, b.length)) {
            return b.length;
        }
        int lo = 0; // b[0, lo) valid so far
        int hi = b.length; // b[0, hi) not
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (jdkValidSoFar(b, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi - 1;
    }

    /** Asserts all validator entry points against the JDK on {@code data}. */
    static void checkAgainstJdk(byte[] data) {
        boolean valid = jdkValid(data);
        int firstBad = jdkFirstInvalid(data);
        String ctx = HexFormat.of().formatHex(data);
        // one-shot, several buffer flavours, at an odd offset so the 8-byte fast path is misaligned
        for (int flavour = 0; flavour < 4; flavour++) {
            ByteBuffer b = (flavour & 1) == 0 ? ByteBuffer.allocate(data.length + 3) : ByteBuffer.allocateDirect(data.length + 3);
            b.order((flavour & 2) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            b.position(3);
            b.put(data);
            b.position(3);
            int pos = b.position();
            int lim = b.limit();
            assertThat(Utf8Validator.isValid(b)).as("isValid(ByteBuffer) flavour %d on %s", flavour, ctx).isEqualTo(valid);
            assertThat(b.position()).isEqualTo(pos);
            assertThat(b.limit()).isEqualTo(lim);
        }
        // prefixes: validate() is false exactly from the first invalid byte on, isComplete only for valid prefixes
        ByteBuffer wrapped = ByteBuffer.wrap(data);
        Utf8Validator v = new Utf8Validator();
        Utf8Validator va = new Utf8Validator();
        for (int i = 0; i < data.length; i++) {
            boolean ok = v.validate(wrapped, i, i + 1);
            boolean oka = va.validate(data, i, i + 1);
            assertThat(ok).as("byte %d of %s", i, ctx).isEqualTo(i < firstBad);
            assertThat(oka).as("byte[] byte %d of %s", i, ctx).isEqualTo(i < firstBad);
            assertThat(v.isValidSoFar()).isEqualTo(ok);
        }
        assertThat(v.isComplete()).as("complete %s", ctx).isEqualTo(valid);
        assertThat(va.isComplete()).isEqualTo(valid);
        // split at every position (bounded for long inputs)
        int step = Math.max(1, data.length / 64);
        for (int s = 0; s <= data.length; s += step) {
            Utf8Validator w = new Utf8Validator();
            boolean a = w.validate(wrapped, 0, s);
            boolean c = w.validate(wrapped, s, data.length);
            assertThat(a).as("first part [0,%d) of %s", s, ctx).isEqualTo(s <= firstBad);
            assertThat(a && c && w.isComplete()).as("split at %d of %s", s, ctx).isEqualTo(valid);
            w.reset();
            assertThat(w.validate(wrapped, 0, data.length) && w.isComplete()).as("after reset").isEqualTo(valid);
        }
    }
}
