package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.bytes;
import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8ValidatorTest {

    @Test
    void acceptsValidTextOfAllLengths() {
        String s = "Hello-µ@ßöäüàá-UTF-8!! κόσμε \uD83D\uDE00 \u20AC\uFFFF\uD7FF\uE000 \uDBFF\uDFFF";
        assertThat(Utf8Validator.isValid(ByteBuffer.wrap(utf8(s)))).isTrue();
        byte[] b = utf8(s);
        assertThat(Utf8Validator.isValid(b, 0, b.length)).isTrue();
        assertThat(Utf8Validator.isValid(ByteBuffer.allocate(0))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "c0 80", "c1 bf", // overlong 2-byte
        "e0 80 80", "e0 9f bf", // overlong 3-byte
        "f0 80 80 80", "f0 8f bf bf", // overlong 4-byte
        "ed a0 80", "ed bf bf", // surrogates
        "f4 90 80 80", "f5 80 80 80", "ff", "fe", // > U+10FFFF / invalid lead
        "80", "bf", // lone continuation
        "ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64" // Autobahn 6.4.x style
    })
    void rejectsInvalidSequences(String hex) {
        assertThat(Utf8Validator.isValid(ByteBuffer.wrap(TestSupport.unhex(hex)))).isFalse();
    }

    @Test
    void truncatedSequenceIsValidSoFarButNotComplete() {
        Utf8Validator v = new Utf8Validator();
        assertThat(v.validate(ByteBuffer.wrap(bytes(0xe2, 0x82)))).isTrue();
        assertThat(v.isComplete()).isFalse();
        assertThat(v.validate(ByteBuffer.wrap(bytes(0xac)))).isTrue();
        assertThat(v.isComplete()).isTrue();
    }

    @Test
    void failsFastOnTheFirstImpossibleByte() {
        // F4 90 can never start a valid code point: rejected at the 2nd byte, before the sequence ends
        Utf8Validator v = new Utf8Validator();
        assertThat(v.validate(ByteBuffer.wrap(bytes(0xf4)))).isTrue();
        assertThat(v.validate(ByteBuffer.wrap(bytes(0x90)))).isFalse();
        assertThat(v.isValidSoFar()).isFalse();
        // stays failed
        assertThat(v.validate(ByteBuffer.wrap(utf8("ok")))).isFalse();
        v.reset();
        assertThat(v.validate(ByteBuffer.wrap(utf8("ok")))).isTrue();
        assertThat(v.isComplete()).isTrue();
    }

    @Test
    void byteByByteEqualsWholeOnRandomInput() {
        Random r = new Random(42);
        for (int iter = 0; iter < 2000; iter++) {
            byte[] b;
            if (iter % 2 == 0) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < r.nextInt(40); i++) {
                    int cp;
                    do {
                        cp = r.nextInt(4) == 0 ? r.nextInt(0x110000) : r.nextInt(0x80);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    sb.appendCodePoint(cp);
                }
                b = utf8(sb.toString());
                if (iter % 4 == 0 && b.length > 0) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); // corrupt
                }
            } else {
                b = new byte[r.nextInt(30)];
                r.nextBytes(b);
            }
            boolean whole = Utf8Validator.isValid(ByteBuffer.wrap(b));
            boolean jdk = isValidPerJdk(b);
            assertThat(whole).as(TestSupport.hex(b)).isEqualTo(jdk);
            Utf8Validator v = new Utf8Validator();
            boolean ok = true;
            ByteBuffer direct = ByteBuffer.allocateDirect(b.length).order(ByteOrder.LITTLE_ENDIAN);
            direct.put(b).flip();
            for (int i = 0; i < b.length && ok; i++) {
                ok = v.validate(direct, i, i + 1);
            }
            assertThat(ok && v.isComplete()).isEqualTo(whole);
        }
    }

    private static boolean isValidPerJdk(byte[] b) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }
}
