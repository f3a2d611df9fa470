package io.keel.core;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-client-address connection limit ({@link Server.Builder#maxConnectionsPerAddress}): how many connections
 * each address has open. Thread-safe without a global lock (loops open and close connections concurrently), and
 * bounded by the open connections: an address's entry is removed when its count returns to zero.
 */
final class ConnectionsPerAddress {
    private final int max;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> counts = new ConcurrentHashMap<>();

    ConnectionsPerAddress(int max) {
        this.max = max;
    }

    /** Takes a slot for {@code address}; false (nothing taken) when it has {@code max} connections already. */
    boolean tryAcquire(InetAddress address) {
        for (;;) {
            AtomicInteger c = counts.computeIfAbsent(address, a -> new AtomicInteger());
            int n = c.get();
            if (n < 0) {
                Thread.onSpinWait(); // being removed at zero by release(): a fresh entry follows at once
                continue;
            }
            if (n >= max) {
                return false;
            }
            if (c.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Frees a slot taken by {@link #tryAcquire}; the entry goes at zero (marked -1 first, so no slot is lost). */
    void release(InetAddress address) {
        AtomicInteger c = counts.get(address);
        if (c != null && c.decrementAndGet() == 0 && c.compareAndSet(0, -1)) {
            counts.remove(address, c);
        }
    }

    /** Addresses with at least one connection (a snapshot, for tests and metrics). */
    int addresses() {
        return counts.size();
    }

    int max() {
        return max;
    }
}
