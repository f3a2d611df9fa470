package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} (16 bytes) and {@code struct sockaddr_in6} (28 bytes) to and from
 * {@link InetSocketAddress}, ip(7) and ipv6(7). The family is in host byte order, the port in network order.
 */
final class SocketAddresses {
    static final int AF_INET = 2, AF_INET6 = 10;
    /** Room for either form (sizeof(struct sockaddr_in6) rounded up). */
    static final int MAX_SIZE = 32;

    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SocketAddresses() {
    }

    /**
     * Writes {@code address} into {@code into} (at least {@link #MAX_SIZE} bytes, zeroed here).
     *
     * @return the length to pass to bind(2)
     * @throws IOException if the address is unresolved
     */
    static int write(InetSocketAddress address, MemorySegment into) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("cannot listen on an unresolved address: " + address.getHostString()
                    + " (give an IP address or a name this machine resolves)");
        }
        into.fill((byte) 0);
        InetAddress ip = address.getAddress();
        into.set(PORT, 2, (short) address.getPort());
        if (ip instanceof Inet4Address) {
            into.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, into, 4, 4);
            return 16;
        }
        into.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
        MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, into, 8, 16);
        into.set(ValueLayout.JAVA_INT, 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    /** The address family {@code address} needs: AF_INET or AF_INET6. */
    static int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    /**
     * Reads a sockaddr written by the kernel. An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, what a dual-stack
     * listener reports for IPv4 clients) comes back as the {@link Inet4Address}, as the JDK's sockets report it.
     *
     * @return the address, or null for a family other than AF_INET/AF_INET6 (e.g. AF_UNIX)
     */
    static InetSocketAddress read(MemorySegment from) {
        int family = from.get(ValueLayout.JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(from.get(PORT, 2));
        try {
            if (family == AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(from.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)),
                        port);
            }
            if (family == AF_INET6) {
                byte[] bytes = from.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
                int scope = from.get(ValueLayout.JAVA_INT, 24);
                InetAddress ip = InetAddress.getByAddress(bytes); // maps ::ffff:a.b.c.d to Inet4Address
                if (scope != 0 && ip instanceof Inet6Address) {
                    ip = Inet6Address.getByAddress(null, bytes, scope);
                }
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException e) {
            // only for a wrong array length, which the slices above rule out
        }
        return null;
    }
}
