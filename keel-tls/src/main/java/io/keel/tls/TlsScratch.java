package io.keel.tls;

import io.keel.core.Cork;
import io.keel.core.SendStatus;
import java.nio.ByteBuffer;

/**
 * Buffers owned by one loop thread and shared by all its TLS connections: the decryption target ({@code app}),
 * the encryption target ({@code net}) and the record cork (plaintext gathered during a callback, owned by one
 * connection at a time, as uWebSockets' loop-wide cork). One set per thread and buffer kind (heap for the JDK's
 * engine, direct for OpenSSL's, see {@link EngineQuirks#directBuffers()}), since the core has no per-loop storage;
 * event-loop threads are the only ones that use it. An idle connection holds none of these.
 */
final class TlsScratch {
    /** The largest plaintext of one TLS record (RFC 8446 section 5.1): the cork flushes at this size. */
    static final int MAX_RECORD_PLAINTEXT = 16384;
    private static final ThreadLocal<TlsScratch> HEAP = ThreadLocal.withInitial(() -> new TlsScratch(false));
    private static final ThreadLocal<TlsScratch> DIRECT = ThreadLocal.withInitial(() -> new TlsScratch(true));

    private final boolean direct;
    private ByteBuffer app;
    private boolean appInUse;
    private ByteBuffer net;
    private boolean netInUse;
    /**
     * Plaintext gathered into whole records: the core's {@link Cork}, at most one record's worth, owned by the
     * connection whose plaintext is in it (null when it is empty).
     */
    private final Cork<TlsConnection> cork;

    private TlsScratch(boolean direct) {
        this.direct = direct;
        // room for several records: what one read brought is decrypted and handed up together (fewer
        // callbacks, and a close frame right behind a message is seen with it)
        app = allocate(4 * (MAX_RECORD_PLAINTEXT + 2048));
        net = allocate(4 * (MAX_RECORD_PLAINTEXT + 2048));
        cork = new Cork<>(allocate(MAX_RECORD_PLAINTEXT));
    }

    /** @return the calling thread's scratch for engines with these quirks (created on first use) */
    static TlsScratch of(EngineQuirks quirks) {
        return quirks.directBuffers() ? DIRECT.get() : HEAP.get();
    }

    private ByteBuffer allocate(int size) {
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /**
     * The decryption target, cleared and at least {@code appSize} bytes, or a new heap buffer when the scratch
     * one is taken already (a callback re-entered the layer). Give it back with {@link #releaseApp}.
     */
    ByteBuffer takeApp(int appSize) {
        if (appInUse) {
            return ByteBuffer.allocate(appSize);
        }
        appInUse = true;
        if (app.capacity() < appSize) {
            app = allocate(appSize);
        }
        return app.clear();
    }

    /** Gives back a buffer from {@link #takeApp} (a no-op for one that was not the scratch's). */
    void releaseApp(ByteBuffer b) {
        if (b == app) {
            b.clear();
            appInUse = false;
        }
    }

    /**
     * The encryption target, cleared and room for at least two records of {@code packetSize} bytes, or a new heap
     * buffer when the scratch one is taken already. Give it back with {@link #releaseNet}.
     */
    ByteBuffer takeNet(int packetSize) {
        if (netInUse) {
            return ByteBuffer.allocate(4 * packetSize);
        }
        netInUse = true;
        if (net.capacity() < 2 * packetSize) {
            net = allocate(4 * packetSize);
        }
        return net.clear();
    }

    /** Gives back a buffer from {@link #takeNet} (a no-op for one that was not the scratch's). */
    void releaseNet(ByteBuffer b) {
        if (b == net) {
            b.clear();
            netInUse = false;
        }
    }

    /** Corked bytes of {@code c}: 0 unless it owns the cork. */
    int corkedBytes(TlsConnection c) {
        return cork.isOwnedBy(c) ? cork.size() : 0;
    }

    /** Forgets what {@code c} corked (its connection closed). */
    void dropCork(TlsConnection c) {
        if (cork.isOwnedBy(c)) {
            cork.reset();
            cork.enter(null);
        }
    }

    /**
     * Corks {@code data} (read mode; consumed) for {@code c}, whose callback is running: gathered with what it sent
     * before, encrypted when the cork holds a full record or the outermost callback returns. Another connection's
     * corked bytes are encrypted first (the cork has one owner). Data of a record or more goes out at once.
     *
     * @return the worst status of what was sent, or what a corked send reports ({@link TlsConnection#corkedStatus})
     */
    SendStatus cork(TlsConnection c, ByteBuffer data) {
        TlsConnection owner = cork.owner();
        if (owner != null && owner != c) {
            flushCork(owner);
        }
        if (cork.offer(data)) {
            cork.enter(c);
            return c.corkedStatus();
        }
        SendStatus st = SendStatus.SENT;
        if (cork.isOwnedBy(c)) {
            cork.fill(data); // top the pending record up to a full one and encrypt it
            st = flushCork(c);
            if (st == SendStatus.DROPPED) {
                return st;
            }
        }
        if (data.remaining() >= cork.capacity()) {
            return st.worse(TlsEngineDriver.wrapAndSend(c, data));
        }
        cork.offer(data);
        cork.enter(c);
        return st.worse(c.corkedStatus());
    }

    /**
     * Encrypts and sends what {@code c} corked, if it owns the cork.
     *
     * @return the raw connection's worst status, SENT when {@code c} had nothing corked
     */
    SendStatus flushCork(TlsConnection c) {
        if (!cork.isOwnedBy(c) || c == null) {
            return SendStatus.SENT;
        }
        cork.enter(null);
        try {
            return TlsEngineDriver.wrapAndSend(c, cork.drain());
        } finally {
            cork.reset();
        }
    }
}
