package io.keel.core;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.UnresolvedAddressException;

/** Says in one readable line why a server could not listen (port in use, no permission, unknown address). */
final class BindFailure {
    private BindFailure() {
    }

    /** The line for {@code e}, thrown while binding {@code address}. */
    static String describe(InetSocketAddress address, Throwable e) {
        String where = address.getHostString() + ":" + address.getPort();
        if (e instanceof BindException b) {
            String m = String.valueOf(b.getMessage()).toLowerCase();
            if (m.contains("in use")) {
                return "cannot listen on " + where + ": address already in use (is another server running?)";
            }
            if (m.contains("permission") || m.contains("access")) {
                return "cannot listen on " + where + ": permission denied (ports below 1024 need privileges)";
            }
            if (m.contains("assign")) {
                return "cannot listen on " + where + ": address not available on this machine";
            }
        }
        if (e instanceof UnresolvedAddressException) {
            return "cannot resolve bind address '" + address.getHostString() + "'";
        }
        if (e instanceof SocketException && e.getMessage() != null) {
            return "cannot listen on " + where + ": " + e.getMessage();
        }
        return "cannot listen on " + where + ": " + e;
    }
}
