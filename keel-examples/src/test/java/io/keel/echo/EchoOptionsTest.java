package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EchoOptionsTest {
    @Test
    void defaultsAreTheSecureServerOn8443() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[0]);
        assertThat(o.mode).isEqualTo(EchoOptions.Mode.WSS);
        assertThat(o.portOrDefault()).isEqualTo(8443);
        assertThat(o.tlsProvider).isEqualTo("jdk");
        assertThat(o.maxMessageSize).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void modesHaveTheirOwnDefaultPorts() throws Exception {
        assertThat(EchoOptions.parse(new String[] {"--mode", "tcp"}).portOrDefault()).isEqualTo(7007);
        assertThat(EchoOptions.parse(new String[] {"--mode=ws"}).portOrDefault()).isEqualTo(9001);
    }

    @Test
    void valuesAreParsedAndChecked() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[] {"--mode", "ws", "--port", "9001", "--backlog", "50",
            "--io-threads", "3", "--max-connections", "7", "--idle-timeout", "0", "--streaming",
            "--max-message-size", "1024", "--reuse-port", "--stats", "5"});
        assertThat(o.port).isEqualTo(9001);
        assertThat(o.backlog).isEqualTo(50);
        assertThat(o.ioThreads).isEqualTo(3);
        assertThat(o.maxConnections).isEqualTo(7);
        assertThat(o.idleTimeoutSeconds).isZero();
        assertThat(o.streaming).isTrue();
        assertThat(o.maxMessageSize).isEqualTo(1024);
        assertThat(o.reusePort).isTrue();
        assertThat(o.statsSeconds).isEqualTo(5);
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--nope"})).hasMessageContaining("unknown option '--nope'");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--port"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--port", "x"})).hasMessageContaining("whole number");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--io-threads", "0"})).hasMessageContaining("between 1 and 1024");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--cert", "a.pem"})).hasMessageContaining("--cert and --key go together");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--verify-peer"})).hasMessageContaining("--ca");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "ws", "--tls-provider", "openssl"}))
            .hasMessageContaining("need --mode wss");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--tls-provider", "gnutls"})).hasMessageContaining("jdk or openssl");
    }
}
