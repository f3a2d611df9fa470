package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link TlsProvider#auto()}: OpenSSL where it loads, the JDK otherwise, and the reason OpenSSL was passed over.
 * The fallback on a JVM where OpenSSL cannot load (Netty missing, or disabled) is run by keel-examples'
 * {@code AutoTlsProviderProgramTest} in child JVMs, since the check is made once per JVM.
 */
class TlsProviderAutoTest {
    @Test
    void autoChoosesOpenSslWhereItLoadsAndTheJdkOtherwise() {
        assertThat(TlsProvider.choose(null)).isEqualTo(TlsProvider.OPENSSL);
        assertThat(TlsProvider.choose(new TlsConfigException("no BoringSSL here"))).isEqualTo(TlsProvider.JDK);
        TlsProvider here = TlsProvider.auto();
        assertThat(here).isEqualTo(TlsProvider.OPENSSL.isAvailable() ? TlsProvider.OPENSSL : TlsProvider.JDK);
        assertThat(TlsProvider.OPENSSL.unavailabilityReason() == null).isEqualTo(TlsProvider.OPENSSL.isAvailable());
        assertThat(TlsProvider.JDK.unavailabilityReason()).isNull();
    }

    @Test
    void aContextBuiltWithTheAutoProviderRunsIt() {
        TlsContext tls = TlsContext.builder().provider(TlsProvider.auto()).selfSigned().build();
        assertThat(tls.provider()).isEqualTo(TlsProvider.auto());
        assertThat(tls.enabledProtocols()).contains("TLSv1.3");
    }
}
