package io.keel.transport.iouring;

/**
 * The sockets and listeners of one transport by slot, the index their requests carry in their user data. Freed
 * slots are reused, lowest first kept simple as a stack; the table grows by doubling and never shrinks. Loop thread
 * only.
 */
final class SlotTable {
    private Object[] entries = new Object[256];
    private int[] free = new int[0];
    private int freeCount;
    private int next;
    private int used;

    /** A slot for a new socket or listener: fill it with {@link #set}. */
    int allocate() {
        used++;
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (next == entries.length) {
            entries = java.util.Arrays.copyOf(entries, entries.length * 2);
        }
        return next++;
    }

    void set(int slot, Object entry) {
        entries[slot] = entry;
    }

    /** The entry in a slot, or null when it is free. */
    Object get(int slot) {
        return slot < next ? entries[slot] : null;
    }

    void release(int slot) {
        entries[slot] = null;
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, Math.max(64, free.length * 2));
        }
        free[freeCount++] = slot;
        used--;
    }

    /** Slots in use. */
    int used() {
        return used;
    }

    /** One past the highest slot ever used: bound for a scan with {@link #get}. */
    int limit() {
        return next;
    }
}
