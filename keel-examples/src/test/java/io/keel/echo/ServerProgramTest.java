package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The host part the programs print in URLs and access-log lines: IPv6 in RFC 5952's canonical text. */
class ServerProgramTest {

    @ParameterizedTest
    @CsvSource({
        "2001:db8:0:0:0:0:0:9, [2001:db8::9]",
        "2001:0db8:0000:0000:0001:0000:0000:0001, [2001:db8::1:0:0:1]", // the first of two equal runs
        "2001:db8:0:1:1:1:1:1, [2001:db8:0:1:1:1:1:1]",                 // one zero group is not shortened
        "0:0:0:0:0:0:0:1, [::1]",
        "fe80:0:0:0:0:0:0:0, [fe80::]",
        "2001:DB8:AA:0:0:0:0:BB, [2001:db8:aa::bb]",
        "1:0:0:2:0:0:0:3, [1:0:0:2::3]",                                 // the longest run wins
        "192.0.2.7, 192.0.2.7"})
    void addressesAreWrittenCanonically(String address, String expected) throws Exception {
        assertThat(ServerProgram.urlHost(new InetSocketAddress(InetAddress.getByName(address), 1))).isEqualTo(expected);
    }
}
