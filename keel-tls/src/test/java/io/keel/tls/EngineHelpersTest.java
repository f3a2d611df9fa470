package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;

import org.junit.jupiter.api.Test;

/** The engine helpers without sockets: {@link EngineQuirks} per provider and {@link TlsScratch}'s buffer lending. */
class EngineHelpersTest {

    private static SSLEngineResult result(HandshakeStatus hs, int consumed) {
        return new SSLEngineResult(Status.OK, hs, consumed, 0);
    }

    private static SSLEngine idleEngine() throws Exception {
        return SSLContext.getDefault().createSSLEngine(); // NOT_HANDSHAKING until beginHandshake
    }

    @Test
    void onlyTheOpensslEngineNeedsTheLateFinishedPollAndTheResultOnlyWrap() throws Exception {
        SSLEngineResult readHandshakeRecord = result(HandshakeStatus.NEED_UNWRAP, 100);
        assertThat(EngineQuirks.OPENSSL.pollAfterUnwrap(readHandshakeRecord, true)).isTrue();
        assertThat(EngineQuirks.OPENSSL.pollAfterUnwrap(readHandshakeRecord, false)).as("after the handshake").isFalse();
        assertThat(EngineQuirks.OPENSSL.pollAfterUnwrap(result(HandshakeStatus.NEED_UNWRAP, 0), true)).isFalse();
        assertThat(EngineQuirks.JDK.pollAfterUnwrap(readHandshakeRecord, true)).isFalse();

        SSLEngine engine = idleEngine();
        SSLEngineResult wantsWrap = result(HandshakeStatus.NEED_WRAP, 10);
        assertThat(EngineQuirks.OPENSSL.wrapRequestedInResultOnly(wantsWrap, engine)).isTrue();
        assertThat(EngineQuirks.JDK.wrapRequestedInResultOnly(wantsWrap, engine)).isFalse();
        assertThat(EngineQuirks.OPENSSL.wantsWrap(wantsWrap, engine)).isTrue();
        assertThat(EngineQuirks.JDK.wantsWrap(wantsWrap, engine)).as("the JDK's own status decides").isFalse();
    }

    @Test
    void eachProviderGetsItsBufferKind() {
        assertThat(EngineQuirks.of(TlsProvider.JDK)).isEqualTo(EngineQuirks.JDK);
        assertThat(EngineQuirks.of(TlsProvider.OPENSSL)).isEqualTo(EngineQuirks.OPENSSL);
        for (EngineQuirks q : EngineQuirks.values()) {
            TlsScratch s = TlsScratch.of(q);
            ByteBuffer net = s.takeNet(100);
            assertThat(net.isDirect()).as(q.name()).isEqualTo(q == EngineQuirks.OPENSSL);
            s.releaseNet(net); // the loop thread's buffers are shared: give back what a test takes
        }
    }

    @Test
    void theScratchLendsEachBufferOnceAtATimeAndGrowsItToTheSizeAsked() {
        TlsScratch s = TlsScratch.of(EngineQuirks.JDK);
        ByteBuffer app = s.takeApp(1000);
        ByteBuffer nested = s.takeApp(1000);
        assertThat(nested).as("taken already: a buffer of its own").isNotSameAs(app);
        s.releaseApp(nested); // not the scratch's: changes nothing
        assertThat(s.takeApp(1000)).isNotSameAs(app);
        s.releaseApp(app);
        assertThat(s.takeApp(1000)).as("given back: lent again").isSameAs(app);
        s.releaseApp(app);

        ByteBuffer big = s.takeApp(app.capacity() + 1);
        assertThat(big.capacity()).isGreaterThan(app.capacity());
        s.releaseApp(big);
        assertThat(s.takeApp(100)).as("the larger buffer is kept").isSameAs(big);
        s.releaseApp(big);

        ByteBuffer net = s.takeNet(50_000);
        assertThat(net.capacity()).as("room for two records of the packet size").isGreaterThanOrEqualTo(100_000);
        assertThat(net.position()).isZero();
        s.releaseNet(net);
        assertThat(s.takeNet(50_000)).isSameAs(net);
        s.releaseNet(net);
    }
}
