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
        assertThat(o.tlsProvider).isEqualTo("auto");
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
    void badCommandLinesSayWhatIsWrong() throws Exception {
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--nope"})).hasMessageContaining("unknown option '--nope'");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--port"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--port", "x"})).hasMessageContaining("whole number");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--io-threads", "0"})).hasMessageContaining("between 1 and 1024");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--key", "a.pem"})).hasMessageContaining("--key goes with --cert");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--verify-peer"})).hasMessageContaining("--ca");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "ws", "--tls-provider", "openssl"}))
            .hasMessageContaining("need --mode wss");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--tls-provider", "gnutls"})).hasMessageContaining("auto, jdk or openssl");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--transport", "epoll"})).hasMessageContaining("auto, nio or io_uring");
        assertThat(EchoOptions.parse(new String[] {"--mode", "tcp", "--transport", "nio"}).transport).isEqualTo("nio");
        assertThat(EchoOptions.parse(new String[0]).transport).isEqualTo("auto");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "ws", "--tls-provider", "jdk"}))
            .hasMessageContaining("need --mode wss");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "ws", "--tls-warm-up", "0"}))
            .hasMessageContaining("need --mode wss");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--tls-warm-up", "-1"}))
            .hasMessageContaining("between 0 and 1000000");
        assertThat(EchoOptions.parse(new String[] {"--tls-warm-up", "0"}).tlsWarmUpHandshakes).isZero();
    }

    @Test
    void drainDelayAndKeepAlivePingsHaveDefaultsAndCheckedValues() throws Exception {
        EchoOptions d = EchoOptions.parse(new String[0]);
        assertThat(d.drainDelaySeconds).isEqualTo(5);
        assertThat(d.pingIntervalSeconds).isEqualTo(30);
        assertThat(d.pongTimeoutSeconds).isEqualTo(10);
        EchoOptions o = EchoOptions.parse(new String[] {"--drain-delay", "0", "--ping-interval", "0",
            "--pong-timeout", "3"});
        assertThat(o.drainDelaySeconds).isZero();
        assertThat(o.pingIntervalSeconds).isZero();
        assertThat(o.pongTimeoutSeconds).isEqualTo(3);
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--drain-delay", "-1"}))
            .hasMessageContaining("--drain-delay").hasMessageContaining("between 0 and 3600");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--pong-timeout", "0"}))
            .hasMessageContaining("--pong-timeout").hasMessageContaining("between 1 and");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--ping-interval", "soon"}))
            .hasMessageContaining("whole number");
    }

    @Test
    void compressionOptions() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[0]);
        assertThat(o.compression).isEqualTo("shared");
        assertThat(DeflateMetrics.config(o.compression, o.compressionThreshold).threshold()).isEqualTo(256);
        o = EchoOptions.parse(new String[] {"--mode", "ws", "--compression", "dedicated", "--compression-threshold", "0"});
        assertThat(DeflateMetrics.config(o.compression, o.compressionThreshold))
            .isEqualTo(new io.keel.websocket.protocol.deflate.PerMessageDeflateConfig(
                io.keel.websocket.protocol.deflate.DeflateMode.DEDICATED, 0,
                io.keel.websocket.protocol.deflate.PerMessageDeflateConfig.DEFAULT_MEMORY_BUDGET));
        assertThat(EchoOptions.parse(new String[] {"--compression", "off"}).compression).isEqualTo("off");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--compression", "gzip"}))
            .hasMessageContaining("off, shared or dedicated");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--compression-threshold", "-1"}))
            .hasMessageContaining("--compression-threshold");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--compression-threshold", "many"}))
            .hasMessageContaining("whole number");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "tcp", "--compression", "dedicated"}))
            .hasMessageContaining("need --mode ws or wss");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--compression", "off", "--compression-threshold", "9"}))
            .hasMessageContaining("no use with --compression off");
    }

    @Test
    void certAloneIsOnePemFileWithBothAndKeyAloneIsAnError() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[] {"--cert", "both.pem"});
        assertThat(o.cert).hasToString("both.pem");
        assertThat(o.key).isNull();
        o = EchoOptions.parse(new String[] {"--cert", "c.pem", "--key", "k.pem"});
        assertThat(o.key).hasToString("k.pem");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--key", "k.pem"}))
            .hasMessage("--key goes with --cert FILE (the certificate chain)");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--cert", ""}))
            .hasMessage("--cert needs a file name, not an empty one");
    }

    @Test
    void pkcs12WithoutItsPasswordFileIsAUsageError() throws Exception {
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--pkcs12", "server.p12"}))
            .isInstanceOf(UsageException.class)
            .hasMessage("--pkcs12 needs --password-file FILE: a file whose first line is the key store's password,"
                + " empty for none");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--password-file", "pw"}))
            .hasMessage("--password-file goes with --pkcs12");
        EchoOptions o = EchoOptions.parse(new String[] {"--pkcs12", "server.p12", "--password-file", "pw"});
        assertThat(o.pkcs12).hasToString("server.p12");
        assertThat(o.passwordFile).hasToString("pw");
    }

    @Test
    void selfSignedDirIsForTheGeneratedCertificateOfWss() throws Exception {
        assertThat(EchoOptions.parse(new String[0]).selfSignedDir).as("default: the cache directory").isNull();
        assertThat(EchoOptions.parse(new String[] {"--self-signed-dir", "/tmp/k"}).selfSignedDir).hasToString("/tmp/k");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--self-signed-dir", "/tmp/k", "--cert", "b.pem"}))
            .hasMessage("--self-signed-dir is for the generated certificate: not with --cert or --pkcs12");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "ws", "--self-signed-dir", "/tmp/k"}))
            .hasMessage("TLS options need --mode wss");
    }

    @Test
    void adminPortOnLoopbackByDefaultInEveryMode() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[0]);
        assertThat(o.adminPort).isNull();
        for (String mode : new String[] {"tcp", "ws", "wss"}) {
            o = EchoOptions.parse(new String[] {"--mode", mode, "--admin-port", "9100"});
            assertThat(o.adminPort).isEqualTo(9100);
            assertThat(o.adminBindOrDefault()).isEqualTo("127.0.0.1");
        }
        o = EchoOptions.parse(new String[] {"--admin-port=0", "--admin-bind", "0.0.0.0"});
        assertThat(o.adminPort).isZero();
        assertThat(o.adminBindOrDefault()).isEqualTo("0.0.0.0");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--admin-bind", "0.0.0.0"}))
            .hasMessage("--admin-bind goes with --admin-port PORT");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--admin-port", "8443"}))
            .hasMessage("--admin-port must differ from the service port 8443");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--admin-port", "70000"}))
            .hasMessage("--admin-port must be between 0 and 65535, not 70000");
    }

    @Test
    void loadBalancerOptions() throws Exception {
        EchoOptions o = EchoOptions.parse(new String[] {"--proxy-protocol", "--trusted-proxies", "127.0.0.1/32, 10.0.0.0/8",
            "--proxy-header-timeout", "3", "--max-connections-per-ip", "20", "--access-log"});
        assertThat(o.proxyProtocol).isTrue();
        assertThat(o.trustedProxies).hasSize(2);
        assertThat(o.trustedProxies.get(1).prefixLength()).isEqualTo(8);
        assertThat(o.proxyHeaderTimeoutSeconds).isEqualTo(3);
        assertThat(o.maxConnectionsPerIp).isEqualTo(20);
        assertThat(o.accessLog).as("alone, last: standard output").isEqualTo("-");
        assertThat(EchoOptions.parse(new String[] {"--access-log", "--mode", "ws"}).accessLog).isEqualTo("-");
        assertThat(EchoOptions.parse(new String[] {"--access-log", "access.log"}).accessLog).isEqualTo("access.log");
        assertThat(EchoOptions.parse(new String[] {"--access-log=a.log"}).accessLog).isEqualTo("a.log");
    }

    @Test
    void badLoadBalancerOptionsSayWhatIsWrong() {
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--proxy-protocol"}))
            .hasMessageContaining("--proxy-protocol needs --trusted-proxies");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--trusted-proxies", "10.0.0.0/8"}))
            .hasMessageContaining("--trusted-proxies goes with --proxy-protocol");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--proxy-protocol", "--trusted-proxies", "10.0.0.0/33"}))
            .hasMessage("--trusted-proxies: '10.0.0.0/33': the prefix length must be 0-32");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--proxy-protocol", "--trusted-proxies", "proxy.example"}))
            .hasMessageContaining("'proxy.example' is not an IP network");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--proxy-protocol", "--trusted-proxies", "10.0.0.0/8,"}))
            .hasMessageContaining("'' is not an IP network");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--proxy-protocol", "--trusted-proxies", "::1",
            "--proxy-header-timeout", "0"})).hasMessageContaining("between 1 and 3600");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--max-connections-per-ip", "0"}))
            .hasMessageContaining("between 1 and");
        assertThatThrownBy(() -> EchoOptions.parse(new String[] {"--mode", "tcp", "--access-log"}))
            .hasMessageContaining("--access-log logs WebSocket sessions");
    }
}
