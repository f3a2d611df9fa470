package io.keel.websocket.protocol.deflate;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native memory the dedicated codecs of one server may hold, counted per connection when its handshake
 * negotiates {@link DeflateMode#DEDICATED} and given back when it closes. Thread-safe (handshakes run on every
 * event loop).
 *
 * <p>The estimate is zlib's own (zconf.h): a compressor takes {@code (1 << (windowBits + 2)) + (1 << (memLevel +
 * 9))} bytes, a decompressor {@code 1 << windowBits}, plus about 7 KiB of state each; the JDK's codec is fixed
 * at windowBits 15 and memLevel 8.
 */
public final class DeflateMemoryBudget {
    /** Compressor plus decompressor at windowBits 15, memLevel 8: 128 + 128 + 32 KiB + 2 x 7 KiB state. */
    public static final long BYTES_PER_CONNECTION = zlibBytes(15, 8);

    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    /**
     * @param limitBytes the most that may be reserved at once; 0 makes every connection shared
     */
    public DeflateMemoryBudget(long limitBytes) {
        this.limit = limitBytes;
    }

    /**
     * zlib's memory estimate for one compressor and one decompressor (zconf.h).
     *
     * @param windowBits 8..15
     * @param memLevel 1..9
     * @return bytes
     */
    public static long zlibBytes(int windowBits, int memLevel) {
        long deflate = (1L << (windowBits + 2)) + (1L << (memLevel + 9)) + 7 * 1024;
        long inflate = (1L << windowBits) + 7 * 1024;
        return deflate + inflate;
    }

    /** Reserves one connection's codecs; false (nothing reserved) when that would pass the limit. */
    public boolean tryReserve() {
        while (true) {
            long now = reserved.get();
            if (now + BYTES_PER_CONNECTION > limit) {
                return false;
            }
            if (reserved.compareAndSet(now, now + BYTES_PER_CONNECTION)) {
                return true;
            }
        }
    }

    /** Gives back one connection's reservation (call once per successful {@link #tryReserve}). */
    public void release() {
        reserved.addAndGet(-BYTES_PER_CONNECTION);
    }

    /** Bytes reserved now. */
    public long reservedBytes() {
        return reserved.get();
    }
}
