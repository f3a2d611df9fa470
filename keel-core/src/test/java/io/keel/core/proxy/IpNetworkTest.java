package io.keel.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpNetworkTest {
    @Test
    void ipv4Networks() throws Exception {
        IpNetwork n = IpNetwork.parse("10.0.0.0/8");
        assertThat(n.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
        assertThat(n.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(n.contains(InetAddress.getByName("::ffff:10.1.1.1"))).as("IPv4-mapped").isTrue();
        assertThat(n.contains(InetAddress.getByName("::1"))).isFalse();
        assertThat(n.contains(null)).isFalse();
        IpNetwork host = IpNetwork.parse("127.0.0.1");
        assertThat(host.prefixLength()).isEqualTo(32);
        assertThat(host.contains(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(host.contains(InetAddress.getByName("127.0.0.2"))).isFalse();
        IpNetwork odd = IpNetwork.parse("192.168.4.0/22");
        assertThat(odd.contains(InetAddress.getByName("192.168.7.255"))).isTrue();
        assertThat(odd.contains(InetAddress.getByName("192.168.8.0"))).isFalse();
        assertThat(IpNetwork.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.1"))).isTrue();
        assertThat(IpNetwork.parse("10.1.2.3/8")).as("host bits ignored").isEqualTo(n);
    }

    @Test
    void ipv6Networks() throws Exception {
        IpNetwork n = IpNetwork.parse("fd00::/8");
        assertThat(n.isIpv4()).isFalse();
        assertThat(n.contains(InetAddress.getByName("fd12::1"))).isTrue();
        assertThat(n.contains(InetAddress.getByName("fe80::1"))).isFalse();
        assertThat(n.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(IpNetwork.parse("::1/128").contains(InetAddress.getByName("::1"))).isTrue();
    }

    @Test
    void anIpv4MappedNetworkIsToldInIpv4Terms() {
        assertThatThrownBy(() -> IpNetwork.parse("::ffff:127.0.0.1/128")).hasMessageContaining("write 127.0.0.1/32");
        assertThat(IpNetwork.parse("0.0.0.0/0")).isNotNull(); // a lone zero is no leading zero
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "10.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8",
        "256.0.0.0/8", "example.com/8", "localhost", "::1/129", "fd00::/x", "1.2.3.4.5", "::g/8", "10.0.0.0 /8",
        "127.000.000.001/32", "010.0.0.0/8"})
    void badNetworksSayWhatIsWrong(String cidr) {
        assertThatThrownBy(() -> IpNetwork.parse(cidr)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'");
    }
}
