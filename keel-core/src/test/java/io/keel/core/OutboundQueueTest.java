package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
    private final BufferPool pool = new BufferPool(64);
    private final OutboundQueue queue = new OutboundQueue(pool);
    private final ByteBuffer[] gather = new ByteBuffer[64];

    /** A fake socket for gathering writes: takes at most {@code room} bytes, in order, into {@code sink}. */
    private static final class FakeSocket {
        final ByteBuffer sink = ByteBuffer.allocate(2 << 20);
        long room;

        long write(ByteBuffer[] srcs, int n) {
            long taken = 0;
            for (int i = 0; i < n && room > 0; i++) {
                ByteBuffer b = srcs[i];
                int k = (int) Math.min(room, b.remaining());
                ByteBuffer part = b.slice(b.position(), k);
                sink.put(part);
                b.position(b.position() + k);
                room -= k;
                taken += k;
            }
            return taken;
        }
    }

    private static ByteBuffer pattern(int from, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            b.put((byte) (from + i));
        }
        return b.flip();
    }

    private long flush(FakeSocket socket) {
        int n = queue.gather(gather);
        long written = socket.write(gather, n);
        java.util.Arrays.fill(gather, 0, n, null);
        queue.written(written);
        return written;
    }

    @Test
    void smallSendsShareTheTailChunkAndLeaveInOrder() {
        ByteBuffer a = pattern(0, 100);
        queue.enqueue(a);
        queue.enqueue(pattern(100, 50));
        assertThat(a.hasRemaining()).isFalse();
        assertThat(queue.queued()).isEqualTo(150);
        assertThat(pool.outstanding()).isEqualTo(1); // the second send topped up the first chunk
        FakeSocket socket = new FakeSocket();
        socket.room = Long.MAX_VALUE;
        assertThat(flush(socket)).isEqualTo(150);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.queued()).isZero();
        assertThat(pool.outstanding()).isZero();
        socket.sink.flip();
        for (int i = 0; i < 150; i++) {
            assertThat(socket.sink.get()).isEqualTo((byte) i);
        }
    }

    @Test
    void aLargeSendIsCutIntoChunksAndAShortWriteKeepsTheRest() {
        int size = 3 * BufferPool.CHUNK_SIZE + 10;
        queue.enqueue(pattern(7, size));
        assertThat(pool.outstanding()).isEqualTo(4);
        FakeSocket socket = new FakeSocket();
        socket.room = BufferPool.CHUNK_SIZE + 5;
        assertThat(flush(socket)).isEqualTo(BufferPool.CHUNK_SIZE + 5);
        assertThat(queue.headPartlyWritten()).isTrue();
        assertThat(queue.queued()).isEqualTo(size - BufferPool.CHUNK_SIZE - 5);
        assertThat(pool.outstanding()).isEqualTo(3); // the chunk written whole went back

        socket.room = 0;
        assertThat(flush(socket)).isZero(); // a full socket takes nothing and nothing is lost
        assertThat(queue.queued()).isEqualTo(size - BufferPool.CHUNK_SIZE - 5);

        socket.room = Long.MAX_VALUE;
        flush(socket);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.headPartlyWritten()).isFalse();
        socket.sink.flip();
        assertThat(socket.sink.remaining()).isEqualTo(size);
        for (int i = 0; i < size; i++) {
            assertThat(socket.sink.get()).isEqualTo((byte) (7 + i));
        }
    }

    @Test
    void theRingGrowsPastItsFirstCapacityAndGathersAtMostTheArrayLength() {
        for (int i = 0; i < 70; i++) {
            queue.enqueue(pattern(i, BufferPool.CHUNK_SIZE));
        }
        assertThat(pool.outstanding()).isEqualTo(70);
        assertThat(queue.gather(gather)).isEqualTo(64);
        java.util.Arrays.fill(gather, null);
        FakeSocket socket = new FakeSocket();
        socket.room = Long.MAX_VALUE;
        flush(socket);
        flush(socket);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void theWatermarkStatusComparesTheQueuedBytes() {
        queue.enqueue(pattern(0, 1000));
        assertThat(queue.above(999)).isTrue();
        assertThat(queue.above(1000)).isFalse();
    }

    @Test
    void releaseAllGivesEveryChunkBack() {
        queue.enqueue(pattern(0, 2 * BufferPool.CHUNK_SIZE));
        queue.releaseAll();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.queued()).isZero();
        assertThat(pool.outstanding()).isZero();
    }
}
