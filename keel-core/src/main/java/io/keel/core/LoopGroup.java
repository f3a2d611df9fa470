package io.keel.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's event loops (Netty's EventLoopGroup): the round-robin choice of a loop for a new connection, and the
 * totals over all loops behind {@link Server#stats()} and the leak checks. The list is filled once, by
 * {@link ServerBinding} before any loop thread starts, and never changes afterwards.
 */
final class LoopGroup {
    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    void add(EventLoop loop) {
        loops.add(loop);
    }

    /** The loops in index order; the caller must not change the list. */
    List<EventLoop> all() {
        return loops;
    }

    /** The loop at {@code index}, 0 to the number of loops - 1. */
    EventLoop get(int index) {
        return loops.get(index);
    }

    /** The loop for the next accepted connection: each in turn, from any thread. */
    EventLoop next() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    /** The counters' snapshot with the bytes read and written by all loops since the start added in. */
    ServerStats stats(ServerCounters counters) {
        long in = 0;
        long out = 0;
        for (EventLoop l : loops) {
            in += l.bytesIn;
            out += l.bytesOut;
        }
        return counters.stats(in, out);
    }

    /** Buffers taken from the loops' pools and not yet given back. */
    long outstandingBuffers() {
        long n = 0;
        for (EventLoop l : loops) {
            n += l.pool.outstanding();
        }
        return n;
    }

    /** Where each outstanding buffer was taken (leak-check mode); a new list. */
    List<Throwable> bufferLeakSites() {
        List<Throwable> sites = new ArrayList<>();
        for (EventLoop l : loops) {
            l.pool.leakSites().forEach(sites::add);
        }
        return sites;
    }
}
