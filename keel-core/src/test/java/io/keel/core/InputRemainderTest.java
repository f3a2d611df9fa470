package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InputRemainderTest {
    private final BufferPool pool = new BufferPool(4);

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.US_ASCII.decode(b.duplicate()).toString();
    }

    @Test
    void whatTheHandlerLeftOfTheReadBufferIsCopiedIntoAPooledBuffer() {
        ByteBuffer read = bytes("hello world");
        read.position(6); // the handler consumed "hello "
        ByteBuffer kept = InputRemainder.keepUnconsumed(read, null, pool, true);
        assertThat(text(kept)).isEqualTo("world");
        assertThat(kept).isNotSameAs(read);
        assertThat(pool.outstanding()).isEqualTo(1);
        assertThat(InputRemainder.release(kept, pool)).isNull();
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void nothingIsKeptWhenEverythingWasConsumedOrTheConnectionClosed() {
        ByteBuffer read = bytes("abc");
        read.position(3);
        assertThat(InputRemainder.keepUnconsumed(read, null, pool, true)).isNull();
        ByteBuffer kept = InputRemainder.keepUnconsumed(bytes("abc"), null, pool, true);
        assertThat(InputRemainder.keepUnconsumed(kept, kept, pool, false)).isNull();
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void aPartlyConsumedRemainderIsCompactedInPlace() {
        ByteBuffer kept = InputRemainder.keepUnconsumed(bytes("partial message"), null, pool, true);
        kept.position(8);
        ByteBuffer again = InputRemainder.keepUnconsumed(kept, kept, pool, true);
        assertThat(again).isSameAs(kept);
        assertThat(again.position()).isZero();
        assertThat(text(again)).isEqualTo("message");
        kept.position(kept.limit());
        assertThat(InputRemainder.keepUnconsumed(kept, kept, pool, true)).isNull();
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void appendUsesTheRoomAfterTheLimitThenCompactsThenGrows() {
        ByteBuffer kept = InputRemainder.keepUnconsumed(bytes("ab"), null, pool, true);
        ByteBuffer more = bytes("cd");
        ByteBuffer joined = InputRemainder.append(kept, more, pool);
        assertThat(joined).isSameAs(kept);
        assertThat(text(joined)).isEqualTo("abcd");
        assertThat(more.hasRemaining()).isFalse();

        joined.position(joined.limit() - 1); // only "d" is left, at the very end of a full chunk's limit
        ByteBuffer fill = ByteBuffer.allocate(BufferPool.CHUNK_SIZE - 1);
        ByteBuffer compacted = InputRemainder.append(joined, fill, pool);
        assertThat(compacted).isSameAs(kept);
        assertThat(compacted.remaining()).isEqualTo(BufferPool.CHUNK_SIZE);
        assertThat(compacted.get(0)).isEqualTo((byte) 'd');

        ByteBuffer grown = InputRemainder.append(compacted, bytes("e"), pool);
        assertThat(grown).isNotSameAs(kept);
        assertThat(grown.remaining()).isEqualTo(BufferPool.CHUNK_SIZE + 1);
        assertThat(grown.get(0)).isEqualTo((byte) 'd');
        assertThat(grown.get(grown.limit() - 1)).isEqualTo((byte) 'e');
        assertThat(pool.outstanding()).isEqualTo(1); // the small remainder went back to the pool
        InputRemainder.release(grown, pool);
        assertThat(pool.outstanding()).isZero();
    }
}
