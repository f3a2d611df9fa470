package io.keel.transport.iouring;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A fake provided-buffer group: the fake kernel takes a free buffer (in ring order: the oldest recycled first) for
 * each receive that brings bytes and lends it until {@link #recycle}. A recycled buffer is scribbled over at once,
 * as the kernel may refill it, so a reader that kept it sees garbage.
 */
final class FakeBufferGroup implements BufferGroup {
    private final FakeSockets kernel;
    private final ByteBuffer[] buffers;
    private final boolean[] lent;
    private final int[] filled;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int lentCount;
    boolean closed;

    FakeBufferGroup(FakeSockets kernel, int count, int bufferSize) {
        this.kernel = kernel;
        this.buffers = new ByteBuffer[count];
        this.lent = new boolean[count];
        this.filled = new int[count];
        for (int i = 0; i < count; i++) {
            buffers[i] = ByteBuffer.allocate(bufferSize);
            free.add(i);
        }
    }

    /** The kernel side: takes a free buffer and fills it with {@code data}; -1 when none is free (ENOBUFS). */
    int fill(byte[] data) {
        Integer id = free.poll();
        if (id == null) {
            return -1;
        }
        lent[id] = true;
        lentCount++;
        buffers[id].clear();
        buffers[id].put(data);
        filled[id] = data.length;
        return id;
    }

    int bufferSize() {
        return buffers[0].capacity();
    }

    boolean hasFree() {
        return !free.isEmpty();
    }

    int lent() {
        return lentCount;
    }

    @Override
    public ByteBuffer buffer(int bufferId, int length) {
        check(bufferId, "read");
        ByteBuffer b = buffers[bufferId];
        b.clear().limit(length);
        return b;
    }

    @Override
    public void recycle(int bufferId) {
        check(bufferId, "recycled");
        lent[bufferId] = false;
        lentCount--;
        Arrays.fill(buffers[bufferId].array(), 0, filled[bufferId], (byte) 0xEE);
        free.add(bufferId);
    }

    private void check(int bufferId, String what) {
        if (closed) {
            kernel.violation("buffer " + bufferId + " " + what + " after the group was closed");
        }
        if (bufferId < 0 || bufferId >= lent.length || !lent[bufferId]) {
            kernel.violation("buffer " + bufferId + " " + what + " but not lent");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
