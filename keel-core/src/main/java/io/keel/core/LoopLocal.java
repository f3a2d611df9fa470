package io.keel.core;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A value each {@link EventLoop} keeps for itself, made on that loop's first {@link EventLoop#local} call: the
 * scratch buffers a layer shares between all the connections of one loop (Netty's {@code FastThreadLocal}, the
 * per-loop data of uWebSockets). The value lives as long as its loop, so a stopped server's loops take theirs
 * with them, and it is only touched by its loop's thread: it needs no locks. Keys are created once (constants)
 * and index a small array in each loop: a lookup is an array index.
 *
 * @param <T> the value's type
 */
public final class LoopLocal<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    private final Supplier<? extends T> initial;
    final int index;

    private LoopLocal(String name, Supplier<? extends T> initial) {
        this.name = Objects.requireNonNull(name, "name");
        this.initial = Objects.requireNonNull(initial, "initial");
        this.index = NEXT.getAndIncrement();
    }

    /**
     * A new key, distinct from every other.
     *
     * @param name for diagnostics
     * @param initial makes a loop's value on its first use, on that loop's thread; it must not return null
     * @return the key
     * @throws NullPointerException when {@code name} or {@code initial} is null
     */
    public static <T> LoopLocal<T> create(String name, Supplier<? extends T> initial) {
        return new LoopLocal<>(name, initial);
    }

    /** A loop's first value, checked. */
    T initialValue() {
        return Objects.requireNonNull(initial.get(), () -> "the initial value of " + this + " is null");
    }

    /** The name given to {@link #create}, for diagnostics. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "LoopLocal[" + name + "]";
    }
}
