package io.keel.transport.iouring;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Records completions and waits on a ring, with a deadline, until one matching a condition arrived. */
final class Completions implements CompletionHandler {
    record Cqe(long userData, int result, int flags) {
        boolean more() {
            return (flags & IoUring.CQE_F_MORE) != 0;
        }

        boolean hasBuffer() {
            return (flags & IoUring.CQE_F_BUFFER) != 0;
        }
    }

    final List<Cqe> all = new ArrayList<>();
    private final IoUring ring;

    Completions(IoUring ring) {
        this.ring = ring;
    }

    @Override
    public void complete(long userData, int result, int flags) {
        all.add(new Cqe(userData, result, flags));
    }

    /** Waits (up to 10 s) until a completion not yet returned by a previous await matches; returns it. */
    Cqe await(Predicate<Cqe> condition) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int from = 0;
        while (true) {
            for (int i = from; i < all.size(); i++) {
                if (condition.test(all.get(i))) {
                    return all.remove(i);
                }
            }
            from = all.size();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching completion within 10 s; seen " + all);
            }
            ring.submitAndWait(TimeUnit.MILLISECONDS.toNanos(100));
            ring.drain(this);
        }
    }

    Cqe await(long userData) throws IOException {
        return await(c -> c.userData() == userData);
    }
}
