package io.keel.core;

import java.nio.ByteBuffer;

/**
 * The bytes of one connection that the socket has not taken yet, in pooled chunks of at most
 * {@link BufferPool#CHUNK_SIZE} bytes, oldest first, each in read mode. A connection creates its queue on the first
 * write the socket does not take whole and drops it once drained (as it dropped the deque this replaces), so an
 * idle connection holds none. Loop only; no I/O of its own: the connection gathers the chunks
 * ({@link #gather}), writes them through the transport and reports how many bytes went ({@link #written}).
 */
final class OutboundQueue {
    private final BufferPool pool;
    /** A ring of chunks: {@code size} of them from {@code head}. */
    private ByteBuffer[] ring = new ByteBuffer[4];
    private int head;
    private int size;
    private long queued;

    OutboundQueue(BufferPool pool) {
        this.pool = pool;
    }

    /**
     * Copies the remaining bytes of {@code data} to the tail of the queue (its position moves to its limit): first
     * into the room left in the last chunk, then into new pooled chunks.
     */
    void enqueue(ByteBuffer data) {
        queued += data.remaining();
        if (size > 0) {
            topUpTail(data);
        }
        while (data.hasRemaining()) {
            ByteBuffer chunk = pool.acquire(Math.min(data.remaining(), BufferPool.CHUNK_SIZE));
            int lim = data.limit();
            if (data.remaining() > chunk.capacity()) {
                data.limit(data.position() + chunk.capacity());
            }
            chunk.put(data).flip();
            data.limit(lim);
            addLast(chunk);
        }
    }

    private void topUpTail(ByteBuffer data) {
        ByteBuffer tail = ring[(head + size - 1) & (ring.length - 1)];
        if (!tail.isDirect() || tail.capacity() == tail.limit()) {
            return;
        }
        int p = tail.position();
        int room = tail.capacity() - tail.limit();
        tail.position(tail.limit()).limit(tail.capacity());
        if (data.remaining() <= room) {
            tail.put(data);
        } else {
            int lim = data.limit();
            data.limit(data.position() + room);
            tail.put(data);
            data.limit(lim);
        }
        tail.limit(tail.position()).position(p);
    }

    private void addLast(ByteBuffer chunk) {
        if (size == ring.length) {
            ByteBuffer[] bigger = new ByteBuffer[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = chunk;
        size++;
    }

    /**
     * Puts the oldest chunks into {@code into} (at most its length) for one gathering write.
     *
     * @return how many chunks were put, from index 0; the caller clears the slots after the write
     */
    int gather(ByteBuffer[] into) {
        int n = Math.min(size, into.length);
        for (int i = 0; i < n; i++) {
            into[i] = ring[(head + i) & (ring.length - 1)];
        }
        return n;
    }

    /**
     * A gathering write took {@code bytes} from the gathered chunks (their positions already moved): counts them
     * and gives every chunk written whole back to the pool.
     */
    void written(long bytes) {
        queued -= bytes;
        while (size > 0) {
            ByteBuffer first = ring[head];
            if (first.hasRemaining()) {
                return;
            }
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
            pool.release(first);
        }
    }

    /** True when the oldest chunk was partly written: the socket took less than it was offered. */
    boolean headPartlyWritten() {
        return size > 0 && ring[head].position() > 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Bytes waiting in the queue. Read racily by other threads as an estimate (see reserveOffLoop). */
    long queued() {
        return queued;
    }

    /** True when more than {@code watermark} bytes wait: sends report {@link SendStatus#BACKPRESSURE}. */
    boolean above(long watermark) {
        return queued > watermark;
    }

    /** Gives every chunk back to the pool (the connection closed); the queue is empty afterwards. */
    void releaseAll() {
        while (size > 0) {
            pool.release(ring[head]);
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
        }
        queued = 0;
    }
}
