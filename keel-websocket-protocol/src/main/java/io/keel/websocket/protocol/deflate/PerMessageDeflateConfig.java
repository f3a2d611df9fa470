package io.keel.websocket.protocol.deflate;

import java.util.Objects;

/**
 * A server's permessage-deflate settings (RFC 7692), immutable.
 *
 * @param mode             how offers are answered; {@link DeflateMode#OFF} declines them
 * @param threshold        messages with fewer payload bytes than this go out uncompressed (RSV1 clear): deflate
 *                         saves little on them and costs a reset and a flush each (default
 *                         {@link #DEFAULT_THRESHOLD}); 0 compresses every message
 * @param memoryBudgetBytes {@link DeflateMode#DEDICATED} only: the native memory all dedicated codecs of one layer
 *                         may take, counted at {@link DeflateMemoryBudget#BYTES_PER_CONNECTION} per connection;
 *                         a connection past it negotiates as {@link DeflateMode#SHARED}
 */
public record PerMessageDeflateConfig(DeflateMode mode, int threshold, long memoryBudgetBytes) {
    /**
     * 256 bytes: below that a JSON or chat message shrinks by a few dozen bytes at most, less than the per-message
     * cost of a deflate reset and sync flush is worth; above it text shrinks several times (uWebSockets and
     * Node's {@code ws} pick thresholds in the same range, 0 and 1024 bytes).
     */
    public static final int DEFAULT_THRESHOLD = 256;
    /** 64 MiB: about 200 dedicated connections at {@link DeflateMemoryBudget#BYTES_PER_CONNECTION}. */
    public static final long DEFAULT_MEMORY_BUDGET = 64L << 20;

    /**
     * Validates the settings.
     *
     * @throws NullPointerException when {@code mode} is null
     * @throws IllegalArgumentException when {@code threshold} or {@code memoryBudgetBytes} is negative
     */
    public PerMessageDeflateConfig {
        Objects.requireNonNull(mode, "mode");
        if (threshold < 0) {
            throw new IllegalArgumentException("compression threshold must be >= 0 bytes, got " + threshold);
        }
        if (memoryBudgetBytes < 0) {
            throw new IllegalArgumentException("compression memory budget must be >= 0 bytes, got "
                + memoryBudgetBytes);
        }
    }

    /**
     * @param mode how offers are answered
     * @return {@code mode} with the default threshold and budget
     * @throws NullPointerException when {@code mode} is null
     */
    public static PerMessageDeflateConfig of(DeflateMode mode) {
        return new PerMessageDeflateConfig(mode, DEFAULT_THRESHOLD, DEFAULT_MEMORY_BUDGET);
    }
}
