package io.keel.echo;

import io.keel.echo.hardening.Wire;
import io.keel.websocket.ClientWire.Frame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client that echoes numbered messages without pause (one at a time, a few milliseconds apart) through
 * a load balancer from its own source address, on a thread of its own, the way a real client behind HAProxy does:
 * when the server closes with 1001 (going away), it answers the close, reconnects through the balancer and goes on
 * from the first message that was not echoed yet. Every echo must be the message just sent, byte for byte; the
 * first mismatch, unexpected close code or I/O error ends the client and is kept in {@link #failure()}.
 * {@link #stop()} ends the current session with a normal close (1000).
 */
final class NumberedEchoClient implements Runnable {
    /** One WebSocket session of this client: its TCP source port and what happened on it. */
    static final class Session {
        final int localPort;
        /** The number of the first message sent on this session. */
        final int firstMessage;
        /** Messages echoed on this session (the client's messages firstMessage to firstMessage + echoed - 1). */
        volatile int echoed;
        /** 1001 when the server went away, 1000 when the client stopped; 0 while open. */
        volatile int closeCode;

        Session(int localPort, int firstMessage) {
            this.localPort = localPort;
            this.firstMessage = firstMessage;
        }
    }

    private static final int PAUSE_MILLIS = 5;

    final int id;
    final InetAddress source;
    private final InetSocketAddress balancer;
    private final boolean tls;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Session> sessions = new ArrayList<>();
    private final Thread thread;
    /** Messages echoed so far, over all sessions: the number of the next message to send. */
    private volatile int echoed;
    private volatile Throwable failure;

    NumberedEchoClient(int id, InetAddress source, InetSocketAddress balancer, boolean tls) {
        this.id = id;
        this.source = source;
        this.balancer = balancer;
        this.tls = tls;
        this.thread = new Thread(this, "numbered-echo-client-" + id);
        thread.setDaemon(true);
    }

    /** Starts echoing on the client's own thread. */
    NumberedEchoClient start() {
        thread.start();
        return this;
    }

    /** The text of message {@code n} of client {@code id}: its numbers and 0 to 299 bytes of varied UTF-8 filler. */
    static String message(int id, int n) {
        StringBuilder b = new StringBuilder("client ").append(id).append(" message ").append(n).append(' ');
        for (int i = 0, len = (n * 37) % 200; i < len; i++) {
            b.append(i % 17 == 0 ? 'é' : (char) ('a' + (n + i) % 26));
        }
        return b.toString();
    }

    @Override
    public void run() {
        try {
            while (stopped.getCount() > 0) {
                session();
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** One connection through the balancer, until the server goes away (returns) or the client stops. */
    private void session() throws IOException, InterruptedException {
        try (Wire w = Wire.from(source, balancer, tls)) {
            w.upgrade(13);
            Session s = new Session(w.localAddress().getPort(), echoed);
            synchronized (sessions) {
                sessions.add(s);
            }
            while (true) {
                String sent = message(id, echoed);
                w.sendText(sent);
                Frame f = w.readFrame();
                if (f.opcode() == 0x8) {
                    if (f.closeCode() != 1001) {
                        throw new AssertionError("client " + id + ": close " + f.closeCode() + ", not 1001");
                    }
                    w.sendFrame(true, 0x8, new byte[] {0x03, (byte) 0xE9}); // answer the close: 1001
                    s.closeCode = 1001;
                    if (!w.readsEndOfStream()) {
                        throw new AssertionError("client " + id + ": data after the server's close");
                    }
                    return; // the message in flight was not echoed: it is sent again on the next session
                }
                String got = new String(f.payload(), StandardCharsets.UTF_8);
                if (f.opcode() != 0x1 || !f.fin() || !got.equals(sent)) {
                    throw new AssertionError("client " + id + " sent '" + sent + "' and got opcode " + f.opcode()
                        + " '" + got + "'");
                }
                s.echoed++;
                echoed++;
                // a few milliseconds between messages keep 2 shared cores usable; the latch also ends the wait
                if (stopped.await(PAUSE_MILLIS, TimeUnit.MILLISECONDS)) {
                    w.closeNormally();
                    s.closeCode = 1000;
                    return;
                }
            }
        }
    }

    /** Messages echoed so far, over all sessions. */
    int echoed() {
        return echoed;
    }

    /** The sessions so far, oldest first (a copy). */
    List<Session> sessions() {
        synchronized (sessions) {
            return List.copyOf(sessions);
        }
    }

    /** What ended the client early, or null. */
    Throwable failure() {
        return failure;
    }

    /** Ends the current session with a normal close and waits up to 10 s for the client's thread to end. */
    void stop() throws InterruptedException {
        stopped.countDown();
        thread.join(10_000);
        if (thread.isAlive()) {
            throw new AssertionError("client " + id + " did not stop");
        }
    }

    /** "IP:PORT" of a session as the server's access log writes the client (its own address behind HAProxy). */
    String clientField(Session s) {
        return source.getHostAddress() + ":" + s.localPort;
    }
}
