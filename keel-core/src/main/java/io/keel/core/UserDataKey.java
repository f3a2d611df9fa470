package io.keel.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed per-connection user-data slot. Keys are created once (typically as constants) and index a small
 * array in each connection that uses them: a lookup is an array index, with no map and no hashing.
 */
public final class UserDataKey<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    final int index;

    private UserDataKey(String name) {
        this.name = name;
        this.index = NEXT.getAndIncrement();
    }

    /** A new key, distinct from every other (two keys with the same {@code name} are two slots). */
    public static <T> UserDataKey<T> create(String name) {
        return new UserDataKey<>(name);
    }

    /** The name given to {@link #create}, for diagnostics. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "UserDataKey[" + name + "]";
    }
}
