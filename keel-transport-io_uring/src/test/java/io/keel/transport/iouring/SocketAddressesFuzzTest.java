package io.keel.transport.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** sockaddr round trips, and 20,000 random or mutated sockaddrs read without an exception. */
class SocketAddressesFuzzTest {

    @Test
    void writeThenReadRoundTrips() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SocketAddresses.MAX_SIZE, 8);
            for (String host : new String[] {"127.0.0.1", "10.1.2.3", "::1", "fe80::1", "2001:db8::7"}) {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), 65535);
                int length = SocketAddresses.write(address, s);
                assertThat(length).isEqualTo(host.contains(":") ? 28 : 16);
                assertThat(SocketAddresses.read(s)).isEqualTo(address);
            }
        }
    }

    @Test
    void randomAndMutatedInputsNeverThrow() {
        Random random = new Random(15);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SocketAddresses.MAX_SIZE, 8);
            int parsed = 0;
            for (int i = 0; i < 20_000; i++) {
                for (int b = 0; b < SocketAddresses.MAX_SIZE; b++) {
                    s.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
                }
                if (i % 2 == 0) { // mutate a valid family so the address paths run, not only the "unknown" one
                    s.set(ValueLayout.JAVA_SHORT, 0, (short) (i % 4 == 0 ? SocketAddresses.AF_INET
                            : SocketAddresses.AF_INET6));
                }
                InetSocketAddress read = SocketAddresses.read(s);
                if (read != null) {
                    parsed++;
                    assertThat(read.getPort()).isBetween(0, 65535);
                }
            }
            assertThat(parsed).as("every valid family parses; random ones rarely").isBetween(10_000, 10_100);
        }
    }
}
