package io.keel.core;

import io.keel.core.proxy.ProxyHeader;
import io.keel.core.proxy.ProxyProtocolException;
import io.keel.core.proxy.ProxyProtocolParser;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What happens to a new connection before its handler hears of it: the PROXY protocol header from a trusted proxy
 * ({@link ProxyProtocolConfig}) and the per-client-address limit ({@link Server.Builder#maxConnectionsPerAddress}).
 * Static helpers over the connection's own fields (a state bit, the kept-input buffer, the timer node it already
 * is), so neither adds an object per connection nor a wrapper on the data path; with both off, the connection pays
 * one flag test per read.
 *
 * <p>While the header is awaited the connection is {@code NOT_OPENED}: its input is kept (the header may come in
 * pieces), its timer is the header timeout, and no callback runs. Once the header is read, its source becomes the
 * connection's remote address, the per-address limit is checked against it, {@code onOpen} runs, and the bytes
 * that followed the header (a TLS ClientHello, an HTTP request) are delivered as the first data.
 */
final class Admission {
    private Admission() {
    }

    /**
     * At accept: starts waiting for the PROXY header of a trusted peer, or applies the per-address limit to a direct
     * client.
     *
     * @return true when the handler may be told now (onOpen); false when the header is awaited or the connection was
     *     refused and closed
     */
    static boolean atAccept(NioConnection c) {
        ServerConfig config = c.loop.server.config;
        InetSocketAddress peer = c.remoteAddress();
        if (peer == null) {
            // reset before it was admitted (io_uring asks the kernel for the peer only now): with no address, neither
            // the proxy's trust nor the per-address limit can be decided, so it is not served (fail closed)
            c.set(AbstractConnection.NOT_OPENED, true);
            c.failed(new java.io.IOException("the peer was gone before it was admitted"));
            return false;
        }
        if (config.proxy != null) {
            if (config.proxy.isTrusted(peer.getAddress())) {
                c.set(AbstractConnection.NOT_OPENED, true);
                c.loop.rearm(c, config.proxyHeaderTimeoutNanos);
                return false;
            }
        }
        return admitAddress(c);
    }

    /** Input while the header is awaited: {@code fresh} is the loop's read buffer, in read mode. */
    static void headerInput(NioConnection c, ByteBuffer fresh) {
        BufferPool pool = c.loop.pool;
        ByteBuffer data = fresh;
        if (c.pendingInput != null) {
            c.pendingInput = InputRemainder.append(c.pendingInput, fresh, pool);
            data = c.pendingInput;
        }
        ProxyHeader header;
        try {
            header = ProxyProtocolParser.parse(data);
        } catch (ProxyProtocolException e) {
            headerFailed(c, e.getMessage());
            return;
        }
        // the header's bytes are consumed; what is left (all of it while the header is incomplete) is kept
        c.pendingInput = InputRemainder.keepUnconsumed(data, c.pendingInput, pool, true);
        if (header == null) {
            return;
        }
        if (header.source() != null) {
            c.proxiedRemote(header.source());
        }
        if (!admitAddress(c)) {
            return;
        }
        c.set(AbstractConnection.NOT_OPENED, false);
        long idle = c.idleTimeoutNanos; // the server's: no handler has set its own yet
        if (idle > 0) {
            c.loop.rearm(c, idle);
        } else {
            c.loop.cancelTimer(c);
        }
        c.loop.server.counters.connectionAdmitted();
        c.dispatch(SendingConnection.OPEN, null);
        if (c.open && !c.readPaused && c.pendingInput != null) {
            c.deliver(null);
        }
    }

    /** A missing or malformed header from a trusted peer: counted, closed without a reply. */
    static void headerFailed(NioConnection c, String reason) {
        c.loop.server.counters.proxyHeaderFailed(c.remoteAddress(), reason);
        c.closeNow();
    }

    /** The header timeout passed: counted, closed without a reply. */
    static void headerTimedOut(NioConnection c) {
        c.loop.server.counters.proxyHeaderTimedOut();
        c.closeNow();
    }

    /** Frees the connection's per-address slot; it is closing. */
    static void released(NioConnection c) {
        c.set(AbstractConnection.PER_ADDRESS_SLOT, false);
        InetSocketAddress client = c.remoteAddress(); // cached when the slot was taken
        if (client != null) {
            c.loop.server.config.perAddress.release(client.getAddress());
        }
    }

    /** The per-address limit for the connection's (possibly proxied) remote address; refused ones are closed. */
    private static boolean admitAddress(NioConnection c) {
        ConnectionsPerAddress limit = c.loop.server.config.perAddress;
        if (limit == null) {
            return true;
        }
        InetSocketAddress client = c.remoteAddress();
        if (client == null) {
            return true; // the socket is already gone: it closes on its next event
        }
        if (limit.tryAcquire(client.getAddress())) {
            c.set(AbstractConnection.PER_ADDRESS_SLOT, true);
            return true;
        }
        c.loop.server.counters.rejectedPerAddress(client);
        c.set(AbstractConnection.NOT_OPENED, true);
        c.closeNow();
        return false;
    }
}
