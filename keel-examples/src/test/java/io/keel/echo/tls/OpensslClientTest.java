package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code openssl s_client} against the wss program, for both TLS providers: TLS 1.3 and 1.2 handshakes succeed and
 * carry an HTTP request; TLS 1.1 and 1.0 are refused by the server with a protocol_version alert.
 */
@Timeout(60)
class OpensslClientTest {
    private static final byte[] HEALTHZ =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--tls-provider {0}")
    @ValueSource(strings = {"jdk", "openssl"})
    void modernProtocolsServeHttpOldOnesAreRefused(String provider) throws Exception {
        Tools.assume(Tools.find("/usr/bin/openssl") != null, "openssl");
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        List<String> args = new ArrayList<>(List.of("--tls-provider", provider));
        args.addAll(List.of(cert.options()));
        try (WssEchoProcess p = WssEchoProcess.start(args.toArray(String[]::new))) {
            for (String v : List.of("1_3", "1_2")) {
                Tools.Result r = sClient(p.port, "-tls" + v, HEALTHZ, "-ign_eof", "-CAfile", cert.certFile().toString(),
                    "-verify_return_error", "-verify_ip", "127.0.0.1");
                String version = "TLSv" + v.replace('_', '.');
                assertThat(r.exitCode()).as(r.output()).isZero();
                assertThat(r.output()).as(version)
                    .contains("Protocol  : " + version)
                    .contains("Verify return code: 0 (ok)")
                    .contains("HTTP/1.1 200 OK")
                    .containsPattern("(?m)^ok\\r?$");
            }
            for (String old : List.of("-tls1_1", "-tls1")) {
                // SECLEVEL=0: OpenSSL 3 would otherwise refuse to offer these itself; the server must refuse them
                Tools.Result r = sClient(p.port, old, new byte[0], "-cipher", "DEFAULT:@SECLEVEL=0");
                assertThat(r.exitCode()).as(r.output()).isNotZero();
                assertThat(r.output()).as(old).contains("alert protocol version").doesNotContain("HTTP/1.1");
            }
            String metrics = p.get(cert.clientContext(), "/metrics");
            assertThat(WssEchoProcess.metric(metrics, "keel_tls_handshake_failures_total")).as(metrics).isEqualTo(2);
            assertThat(WssEchoProcess.metric(metrics, "keel_tls_handshakes_total{protocol=\"TLSv1.2\"}")).as(metrics).isEqualTo(1);
        }
    }

    private static Tools.Result sClient(int port, String version, byte[] stdin, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port,
            "-servername", "localhost", version));
        cmd.addAll(List.of(more));
        return Tools.run(cmd, stdin, Duration.ofSeconds(20));
    }
}
