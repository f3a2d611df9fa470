package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsWarmUpTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
    void runsTheAskedNumberOfCompleteHandshakes(TlsProvider provider) throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(provider);
        assertThat(TlsWarmUp.run(ctx, 5, Duration.ofMinutes(1))).isEqualTo(5);
    }

    @Test
    void worksWithTls12Only() throws Exception {
        TlsContext ctx = TlsContext.builder().selfSigned(SelfSignedCertificate.generate()).protocols("TLSv1.2").build();
        assertThat(TlsWarmUp.run(ctx, 3, Duration.ofMinutes(1))).isEqualTo(3);
    }

    @Test
    void stopsAtTheBudget() throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(TlsProvider.JDK);
        assertThat(TlsWarmUp.run(ctx, 1_000_000, Duration.ZERO)).isZero();
        assertThat(TlsWarmUp.run(ctx, 0, Duration.ofMinutes(1))).isZero();
    }

    @Test
    void skipsAContextThatVerifiesPeers() throws Exception {
        TestPki.Issued ca = TestPki.ca("warm-up CA");
        Path caFile = TestPki.write(dir, "ca.pem", TestPki.chainPem(ca.cert()));
        TlsContext ctx = TlsContext.builder().selfSigned(SelfSignedCertificate.generate()).verifyPeer(caFile).build();
        assertThat(TlsWarmUp.run(ctx, 5, Duration.ofMinutes(1))).isZero();
    }

    @Test
    void refusesNegativeArguments() throws Exception {
        TlsContext ctx = TlsServerLayerTest.context(TlsProvider.JDK);
        assertThatThrownBy(() -> TlsWarmUp.run(ctx, -1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> TlsWarmUp.run(ctx, 1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
