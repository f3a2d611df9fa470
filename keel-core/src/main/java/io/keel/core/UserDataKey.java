package io.keel.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed per-connection user-data slot. Keys are created once (typically as constants) and index a small
 * array in each connection that uses them, as the seed's {@code RequestUserDataSlot} does.
 */
public final class UserDataKey<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    final int index;

    private UserDataKey(String name) {
        this.name = name;
        this.index = NEXT.getAndIncrement();
    }

    public static <T> UserDataKey<T> create(String name) {
        return new UserDataKey<>(name);
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "UserDataKey[" + name + "]";
    }
}
