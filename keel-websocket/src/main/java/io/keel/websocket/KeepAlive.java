package io.keel.websocket;

import io.keel.websocket.protocol.CloseCodes;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive pings for one WebSocket (RFC 6455 section 5.5.2: "a Ping frame may serve either as a keepalive or as
 * a means to verify that the remote endpoint is still responsive"), as uWebSockets' {@code sendPingsAutomatically}
 * and Netty's {@code IdleStateHandler} do it: a WebSocket that has read and written nothing for the ping interval
 * gets a Ping; if nothing at all arrives from the client within the pong timeout (any frame proves it alive, not
 * only the Pong), it is closed with 1001 "pong timeout" and counted ({@link WebSocketStats#pongTimeouts()}).
 *
 * <p>No timer task and no object per WebSocket: the deadlines are the connection's own idle timeout on its one
 * timer node ({@link io.keel.core.Connection#idleTimeout}: the ping interval, then the pong timeout, then the
 * interval again), and the state is three fields of the {@link SessionBridge}. Hixie-76 has no ping: its
 * WebSockets keep the server's idle timeout. The server's idle timeout keeps its meaning for pinged WebSockets
 * too: one with no message from the client (pongs do not count) for that long, rounded up to whole ping
 * intervals, is closed with 1001 "idle timeout"; a server idle timeout no longer than the ping interval leaves
 * pings off, since it would close the WebSocket first. Loop only.
 */
final class KeepAlive {
    /** Pings off for this WebSocket (the layer's interval is zero, Hixie-76, or it is closing). */
    static final byte OFF = 0;
    /** Waiting for the ping interval to pass in silence. */
    static final byte WAITING = 1;
    /** A ping was sent: the client must send something within the pong timeout. */
    static final byte PINGED = 2;

    /** The payload of every keep-alive ping: none (the Pong only has to arrive). Never moved: shared. */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private KeepAlive() {
    }

    /** At the upgrade: arms the ping interval when the layer pings and the version has pings. */
    static void start(SessionBridge b) {
        long interval = b.owner.pingIntervalNanos;
        if (interval <= 0 || !b.session.version().isHybi()) {
            return;
        }
        long idle = b.connection.idleTimeoutNanos(); // still the server's
        if (idle > 0 && idle <= interval) {
            return; // the idle timeout closes a quiet WebSocket before any ping would be due
        }
        b.quietPingsBeforeIdle = idle > 0 ? (int) Math.min(Integer.MAX_VALUE, (idle + interval - 1) / interval) : 0;
        b.pingState = WAITING;
        b.connection.idleTimeout(interval, TimeUnit.NANOSECONDS);
    }

    /** Bytes arrived from the client while a pong is awaited: it is alive; back to the ping interval. */
    static void answered(SessionBridge b) {
        b.pingState = WAITING;
        b.connection.idleTimeout(b.owner.pingIntervalNanos, TimeUnit.NANOSECONDS);
    }

    /** The connection's idle deadline passed on an open WebSocket that pings: ping, or close it. */
    static void onIdle(SessionBridge b) {
        WebSocketStats stats = b.owner.stats;
        if (b.pingState == PINGED) {
            stop(b);
            stats.pongTimeouts.increment();
            b.close(CloseCodes.GOING_AWAY, "pong timeout"); // then the close timeout bounds it
            return;
        }
        if (b.quietPingsBeforeIdle > 0 && ++b.quietPings >= b.quietPingsBeforeIdle) {
            stop(b);
            b.close(CloseCodes.GOING_AWAY, "idle timeout");
            return;
        }
        b.pingState = PINGED;
        b.connection.idleTimeout(b.owner.pongTimeoutNanos, TimeUnit.NANOSECONDS);
        stats.keepAlivePings.increment();
        b.sent(b.session.ping(EMPTY));
    }

    /** No more pings: the close handshake's own timeout bounds the rest. */
    private static void stop(SessionBridge b) {
        b.pingState = OFF;
        b.connection.idleTimeout(0, TimeUnit.NANOSECONDS);
    }
}
