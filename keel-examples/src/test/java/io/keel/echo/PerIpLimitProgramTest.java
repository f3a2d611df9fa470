package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.hardening.Wire;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code keel-echo --max-connections-per-ip N}: the N+1st connection of one address is closed, and counted in /metrics. */
@Timeout(60)
class PerIpLimitProgramTest {
    @Test
    void connectionsOverTheLimitAreClosedAndCounted() throws Exception {
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--max-connections-per-ip", "1"}));
        try {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", echo.server.port());
            try (Wire first = Wire.from(InetAddress.getByName("127.0.0.2"), server, false);
                 Wire second = Wire.from(InetAddress.getByName("127.0.0.2"), server, false);
                 Wire other = Wire.from(InetAddress.getByName("127.0.0.3"), server, false)) {
                first.upgrade(13);
                assertThat(second.readsEndOfStream()).as("a second connection from 127.0.0.2").isTrue();
                other.upgrade(13);
                other.sendText("still served");
                assertThat(other.readText()).isEqualTo("still served");
            }
            Awaits.await("the refusal counted", Duration.ofSeconds(10),
                () -> echo.metrics().contains("keel_connections_refused_per_ip_total 1\n"));
        } finally {
            echo.server.close();
        }
    }
}
