package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
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
    private final EventLoop loop;
    private final Selector selector;
    private final Consumer<SelectionKey> keyAction = this::processKey;

    NioTransport(EventLoop loop) throws IOException {
        this.loop = loop;
        this.selector = Selector.open();
    }

    private static SocketChannel socket(Object handle) {
        return (SocketChannel) ((SelectionKey) handle).channel();
    }

    @Override
    public Object register(SocketChannel socket, NioConnection connection) throws IOException {
        return socket.register(selector, SelectionKey.OP_READ, connection);
    }

    @Override
    public int read(Object handle, ByteBuffer dst) throws IOException {
        return socket(handle).read(dst);
    }

    @Override
    public int write(Object handle, ByteBuffer src) throws IOException {
        return socket(handle).write(src);
    }

    @Override
    public long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return socket(handle).write(srcs, offset, length);
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
    public Object listen(ServerSocketChannel listener, Acceptor acceptor) throws IOException {
        listener.configureBlocking(false);
        return listener.register(selector, SelectionKey.OP_ACCEPT, acceptor);
    }

    @Override
    public void accepting(Object listenerHandle, boolean on) {
        SelectionKey key = (SelectionKey) listenerHandle;
        if (key.isValid()) {
            key.interestOps(on ? SelectionKey.OP_ACCEPT : 0);
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
        loop.stampTime();
        try {
            Object att = key.attachment();
            if (att instanceof NioConnection c) {
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
            } else if (att instanceof Acceptor a) {
                a.acceptReady();
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
    public List<NioConnection> connections() {
        List<NioConnection> list = new ArrayList<>();
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof NioConnection c && c.isOpen()) {
                list.add(c);
            }
        }
        return list;
    }

    @Override
    public void closeAll() {
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof NioConnection c) {
                c.abort();
            } else if (k.attachment() instanceof Acceptor a) {
                a.close();
            }
        }
        release();
    }

    @Override
    public void release() {
        EventLoop.closeQuietly(selector);
    }
}
