package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link Transport} of the JDK's NIO: one {@link Selector} per loop (epoll on Linux); a connection's handle
 * is its {@link SelectionKey}, attached to the connection, and the key's channel is the socket. Selected keys are
 * delivered through a callback made once, so a poll fills, iterates and clears no selected-key set.
 */
final class NioTransport implements Transport {
    /** The provider of this transport, named {@code "nio"}: always available. */
    static final TransportProvider PROVIDER = new TransportProvider() {
        @Override
        public String name() {
            return "nio";
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public Transport open(TransportLoop loop) throws IOException {
            return new NioTransport(loop);
        }
    };
    private static final int ACCEPTS_PER_WAKEUP = 64;

    private final TransportLoop loop;
    private final Selector selector;
    private final Consumer<SelectionKey> keyAction = this::processKey;

    NioTransport(TransportLoop loop) throws IOException {
        this.loop = loop;
        this.selector = Selector.open();
    }

    /** A listener's handle: its channel, and its key once it accepts. */
    private static final class Listener {
        final ServerSocketChannel channel;
        SelectionKey key;
        AcceptEvents acceptor;

        Listener(ServerSocketChannel channel) {
            this.channel = channel;
        }
    }

    private static SocketChannel socket(Object handle) {
        return (SocketChannel) ((SelectionKey) handle).channel();
    }

    @Override
    public Object register(Object socket, SocketEvents connection) throws IOException {
        SocketChannel ch = (SocketChannel) socket;
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return ch.register(selector, SelectionKey.OP_READ, connection);
    }

    @Override
    public int read(Object handle, ByteBuffer dst) throws IOException {
        return socket(handle).read(dst);
    }

    /**
     * The most one write hands the kernel. The JDK copies a heap buffer whole into a temporary direct buffer of its
     * size and keeps that buffer cached in the writing thread for good: one 150 MB message echoed from the heap left
     * 150 MB of native memory on the loop. Capped, that cache stays small, and one large send cannot hold the loop
     * in a single write while the peer keeps reading: what is left is queued and written as the socket takes it, in
     * turn with the loop's other connections.
     */
    static final int MAX_BYTES_PER_WRITE = 256 * 1024;

    @Override
    public int write(Object handle, ByteBuffer src) throws IOException {
        return writeCapped(socket(handle), src);
    }

    @Override
    public long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return writeCapped(socket(handle), srcs, offset, length);
    }

    /** {@code ch.write(src)} of at most {@link #MAX_BYTES_PER_WRITE}; {@code src}'s limit is left as it was. */
    static int writeCapped(SocketChannel ch, ByteBuffer src) throws IOException {
        int limit = src.limit();
        if (limit - src.position() <= MAX_BYTES_PER_WRITE) {
            return ch.write(src);
        }
        src.limit(src.position() + MAX_BYTES_PER_WRITE);
        try {
            return ch.write(src);
        } finally {
            src.limit(limit);
        }
    }

    /** A gathering {@code ch.write} of at most {@link #MAX_BYTES_PER_WRITE}; every limit is left as it was. */
    static long writeCapped(SocketChannel ch, ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        int whole = 0;
        while (whole < length && total + srcs[offset + whole].remaining() <= MAX_BYTES_PER_WRITE) {
            total += srcs[offset + whole++].remaining();
        }
        if (whole == length) {
            return ch.write(srcs, offset, length);
        }
        ByteBuffer cut = srcs[offset + whole];
        int limit = cut.limit();
        cut.limit(cut.position() + (int) (MAX_BYTES_PER_WRITE - total)); // what fits of the first one that does not
        try {
            return ch.write(srcs, offset, whole + 1);
        } finally {
            cut.limit(limit);
        }
    }

    @Override
    public void interest(Object handle, boolean read, boolean write) {
        SelectionKey key = (SelectionKey) handle;
        if (!key.isValid()) {
            return;
        }
        int ops = (read ? SelectionKey.OP_READ : 0) | (write ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    @Override
    public void shutdownOutput(Object handle) throws IOException {
        socket(handle).shutdownOutput();
    }

    @Override
    public void close(Object handle) {
        SelectionKey key = (SelectionKey) handle;
        key.cancel();
        EventLoop.closeQuietly(key.channel());
    }

    @Override
    public InetSocketAddress remoteAddress(Object handle) {
        try {
            return (InetSocketAddress) socket(handle).getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public InetSocketAddress localAddress(Object handle) {
        try {
            return (InetSocketAddress) socket(handle).getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public Object bind(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(address, backlog);
            return new Listener(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public InetSocketAddress listenerAddress(Object listener) throws IOException {
        return (InetSocketAddress) ((Listener) listener).channel.getLocalAddress();
    }

    @Override
    public void listen(Object listener, AcceptEvents acceptor) throws IOException {
        Listener l = (Listener) listener;
        l.acceptor = acceptor;
        l.channel.configureBlocking(false);
        l.key = l.channel.register(selector, SelectionKey.OP_ACCEPT, l);
    }

    @Override
    public void accepting(Object listener, boolean on) {
        SelectionKey key = ((Listener) listener).key;
        if (key != null && key.isValid()) {
            key.interestOps(on ? SelectionKey.OP_ACCEPT : 0);
        }
    }

    @Override
    public void closeListener(Object listener) {
        Listener l = (Listener) listener;
        if (l.key != null) {
            l.key.cancel();
        }
        EventLoop.closeQuietly(l.channel);
    }

    @Override
    public void closeAccepted(Object socket) {
        EventLoop.closeQuietly((SocketChannel) socket);
    }

    /** Accepts what waits, a bounded number per wake-up so that the loop's connections are served in between. */
    private static void accept(Listener l) {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            SocketChannel ch;
            try {
                ch = l.channel.accept();
            } catch (IOException e) {
                l.acceptor.acceptFailed(e);
                return;
            }
            if (ch == null) {
                return;
            }
            l.acceptor.accepted(ch);
        }
    }

    @Override
    public void poll(long timeoutMillis) throws IOException {
        if (timeoutMillis < 0) {
            selector.selectNow(keyAction);
        } else {
            selector.select(keyAction, timeoutMillis);
        }
    }

    private void processKey(SelectionKey key) {
        loop.eventsArrived();
        try {
            Object att = key.attachment();
            if (att instanceof SocketEvents c) {
                if (!key.isValid()) {
                    return;
                }
                int ready = key.readyOps();
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    c.writable();
                }
                if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()) {
                    c.readable();
                }
            } else if (att instanceof Listener l) {
                accept(l);
            }
        } catch (CancelledKeyException e) {
            // closed by an earlier callback in this round
        } catch (Throwable e) {
            loop.unexpectedFailure(e); // one connection's failure must not end the loop that serves the others
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public List<SocketEvents> connections() {
        List<SocketEvents> list = new ArrayList<>();
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof SocketEvents c && c.isOpen()) {
                list.add(c);
            }
        }
        return list;
    }

    @Override
    public void closeAll() {
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof SocketEvents c) {
                c.abort();
            } else if (k.attachment() instanceof Listener l) {
                closeListener(l);
            }
        }
        release();
    }

    @Override
    public void release() {
        EventLoop.closeQuietly(selector);
    }
}
