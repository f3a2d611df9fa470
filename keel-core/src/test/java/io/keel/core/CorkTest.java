package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CorkTest {
    private final Cork<String> cork = new Cork<>(ByteBuffer.allocate(8));

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void sendsThatFitAreGatheredAndDrainedInOrder() {
        assertThat(cork.isEmpty()).isTrue();
        ByteBuffer a = bytes("abc");
        assertThat(cork.offer(a)).isTrue();
        assertThat(a.hasRemaining()).isFalse();
        assertThat(cork.offer(bytes("de"))).isTrue();
        assertThat(cork.size()).isEqualTo(5);
        assertThat(cork.room()).isEqualTo(3);
        ByteBuffer out = cork.drain();
        assertThat(StandardCharsets.US_ASCII.decode(out).toString()).isEqualTo("abcde");
        cork.reset();
        assertThat(cork.isEmpty()).isTrue();
        assertThat(cork.room()).isEqualTo(cork.capacity());
    }

    @Test
    void aSendThatDoesNotFitIsLeftWhole() {
        cork.offer(bytes("abcdef"));
        ByteBuffer big = bytes("xyz");
        assertThat(cork.offer(big)).isFalse();
        assertThat(big.remaining()).isEqualTo(3);
        assertThat(cork.size()).isEqualTo(6);
    }

    @Test
    void fillTopsUpToTheCapacityAndMovesThePositionByWhatItTook() {
        cork.offer(bytes("abcde"));
        ByteBuffer more = bytes("fghijk");
        assertThat(cork.fill(more)).isEqualTo(3);
        assertThat(more.position()).isEqualTo(3);
        assertThat(cork.room()).isZero();
        assertThat(cork.fill(more)).isZero();
        assertThat(StandardCharsets.US_ASCII.decode(cork.drain()).toString()).isEqualTo("abcdefgh");
    }

    @Test
    void ownershipNestsAndIsGivenBack() {
        assertThat(cork.owner()).isNull();
        String outer = cork.enter("a");
        assertThat(outer).isNull();
        assertThat(cork.isOwnedBy("a")).isTrue();
        String inner = cork.enter("b");
        assertThat(inner).isEqualTo("a");
        assertThat(cork.isOwnedBy("a")).isFalse();
        cork.leave(inner);
        assertThat(cork.owner()).isEqualTo("a");
        cork.leave(outer);
        assertThat(cork.owner()).isNull();
    }

    @Test
    void resetDiscardsWhatWasGatheredButKeepsTheOwner() {
        cork.enter("a");
        cork.offer(bytes("abc"));
        cork.reset();
        assertThat(cork.isEmpty()).isTrue();
        assertThat(cork.isOwnedBy("a")).isTrue();
    }
}
