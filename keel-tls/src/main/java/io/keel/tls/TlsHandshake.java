package io.keel.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import io.keel.core.Timer;

/**
 * The handshake phase of one {@link TlsConnection}: its timer, its count in {@link TlsStats} (completed, failed,
 * timed out or abandoned, exactly once), and the {@link SecureConnectionListener} call when it completes. Created
 * with the connection and dropped (the connection's reference set to null) once the handshake is done, so that an
 * established idle connection does not keep it. Runs on the connection's loop; it is the timer's task itself, so
 * scheduling allocates nothing more.
 */
final class TlsHandshake implements Runnable {
    private final TlsServerLayer layer;
    private final TlsNetworkSide connection;
    private Timer timer;

    private TlsHandshake(TlsServerLayer layer, TlsNetworkSide connection) {
        this.layer = layer;
        this.connection = connection;
    }

    /**
     * Starts the handshake phase of {@code c}: arms the handshake timeout of {@code layer} (none when it is 0).
     *
     * @return the phase, for the connection to keep until {@link #completed} or the connection ends
     */
    static TlsHandshake start(TlsServerLayer layer, TlsNetworkSide c) {
        TlsHandshake h = new TlsHandshake(layer, c);
        if (layer.handshakeTimeoutMillis > 0) {
            h.timer = c.rawConnection().schedule(h, layer.handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        return h;
    }

    /** The handshake timeout fired: the connection fails, counted as timed out, unless it ended already. */
    @Override
    public void run() {
        timer = null;
        if (connection.handshaking() && !connection.ended() && connection.rawConnection().isOpen()) {
            connection.advance(TlsPhase.FAILED);
            layer.stats.timedOut();
            connection.rawConnection().abort();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /**
     * The handshake completed: stops the timer, counts it per protocol and calls the listener (before the inner
     * handler's onOpen, which the connection calls next). The listener's exceptions reach the caller.
     */
    void completed(SSLEngine engine, SSLSession session) {
        cancelTimer();
        layer.stats.completed(session.getProtocol());
        if (layer.listener != null) {
            layer.listener.onSecureConnectionEstablished(connection, TlsHandshakeInfo.of(engine, session));
        }
    }

    /** The handshake failed (a TLS error before it completed): counted once by the connection's caller. */
    void failed() {
        cancelTimer();
        layer.stats.failed();
    }

    /**
     * The raw connection idled out during the handshake: counted as a timeout unless the handshake ended already
     * (one that failed and is still sending its alert is counted once, as failed); the caller aborts it.
     */
    void idledOut() {
        if (!connection.ended()) {
            connection.advance(TlsPhase.FAILED);
            layer.stats.timedOut();
        }
    }

    /** The peer went away (FIN, close_notify or close) before the handshake finished: counted unless it failed. */
    void abandoned() {
        if (!connection.ended()) {
            connection.advance(TlsPhase.FAILED);
            layer.stats.abandoned();
        }
    }

    /** The connection closed: the timer must not fire for it. */
    void closed() {
        cancelTimer();
    }

    /**
     * Takes the engine's delegated tasks (key exchange, certificate checks) and runs them on {@code executor},
     * never on the loop: {@link TlsNetworkSide#tasksStarted()} is called first, {@link TlsNetworkSide#tasksDone()}
     * runs on the loop afterwards. When the executor refuses them, runs them here and calls
     * {@link TlsNetworkSide#tasksRanHere()}. Nothing is called when the engine has no task. Also used after the
     * handshake (TLS 1.3 post-handshake messages), so it needs no handshake object.
     */
    static void runDelegatedTasks(TlsNetworkSide c, SSLEngine engine, Executor executor) {
        List<Runnable> tasks = new ArrayList<>(2);
        for (Runnable t; (t = engine.getDelegatedTask()) != null;) {
            tasks.add(t);
        }
        if (tasks.isEmpty()) {
            return;
        }
        c.tasksStarted(); // before execute: a direct executor may finish them, and call tasksDone, at once
        Runnable job = () -> {
            try {
                for (Runnable t : tasks) {
                    t.run();
                }
            } finally {
                c.rawConnection().execute(c::tasksDone);
            }
        };
        try {
            executor.execute(job);
        } catch (RejectedExecutionException e) {
            for (Runnable t : tasks) {
                t.run();
            }
            c.tasksRanHere();
        }
    }
}
