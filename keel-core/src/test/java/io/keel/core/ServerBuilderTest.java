package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder refuses bad settings at once, with a message that names the setting and the value. */
class ServerBuilderTest {
    private static final ConnectionHandler NO_OP = (c, data) -> data.position(data.limit());

    @Test
    void badSettingsAreRefusedWhenSet() {
        assertThatThrownBy(() -> Server.builder().bind("127.0.0.1", 65536))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
        assertThatThrownBy(() -> Server.builder().backlog(0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog");
        assertThatThrownBy(() -> Server.builder().ioThreads(0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("io threads");
        assertThatThrownBy(() -> Server.builder().maxPooledChunksPerLoop(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> Server.builder().idleTimeout(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theOtherChecksOfTheBuilder() {
        assertThatThrownBy(() -> Server.builder().writeWatermarks(10, 5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10, 5");
        assertThatThrownBy(() -> Server.builder().writeWatermarks(-1, 5))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("watermark");
        assertThatThrownBy(() -> Server.builder().maxQueuedBytes(0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queued");
        assertThatThrownBy(() -> Server.builder().maxConnectionsPerAddress(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> Server.builder().maxConnections(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Server.builder().idleTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Server.builder().handler(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Server.builder().connectionLimiter(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Server.builder().bind(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Server.builder().build())
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("ConnectionHandler");
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        ServerConfig c = Server.builder().handler(NO_OP).build().config;
        assertThat(c.address.getAddress().isLoopbackAddress()).isTrue();
        assertThat(c.address.getPort()).isZero();
        assertThat(c.backlog).isEqualTo(1024);
        assertThat(c.ioThreads).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.idleTimeoutNanos).isZero();
        assertThat(c.lowWatermark).isEqualTo(32 * 1024);
        assertThat(c.highWatermark).isEqualTo(64 * 1024);
        assertThat(c.maxQueuedBytes).isEqualTo(4L * 1024 * 1024);
        assertThat(c.maxPooledChunksPerLoop).isEqualTo(1024);
        assertThat(c.reusePort).isFalse();
        assertThat(c.proxy).isNull();
        assertThat(c.perAddress).isNull();
    }

    @Test
    void aBuilderUsedAgainChangesNothingOfAServerAlreadyBuilt() {
        Server.Builder builder = Server.builder().handler(NO_OP).idleTimeout(Duration.ofSeconds(3))
            .maxConnectionsPerAddress(2);
        Server first = builder.build();
        builder.writeWatermarks(1, 2).idleTimeout(Duration.ZERO).maxConnectionsPerAddress(0).backlog(7);
        Server second = builder.maxConnectionsPerAddress(5).build();

        assertThat(first.config.highWatermark).isEqualTo(64 * 1024);
        assertThat(first.config.backlog).isEqualTo(1024);
        assertThat(first.config.idleTimeoutNanos).isEqualTo(Duration.ofSeconds(3).toNanos());
        assertThat(first.config.perAddress).isNotNull();
        assertThat(second.config.highWatermark).isEqualTo(2);
        assertThat(second.config.idleTimeoutNanos).isZero();
        assertThat(second.config.perAddress).as("each server counts its own clients")
            .isNotNull().isNotSameAs(first.config.perAddress);
    }

    @Test
    void thePortOfAServerNotStartedIsAnError() {
        Server server = Server.builder().bind("127.0.0.1", 0).handler((c, data) -> data.position(data.limit())).build();
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    }

    @Test
    void theTransportIsChosenByNameAndAutoSaysWhyItFellBack() {
        ConnectionHandler h = (c, data) -> data.position(data.limit());
        assertThatThrownBy(() -> Server.builder().transport("epoll")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("unknown transport 'epoll'").hasMessageContaining("auto, nio, io_uring");
        assertThatThrownBy(() -> Server.builder().transport(null)).isInstanceOf(NullPointerException.class);
        assertThat(Server.builder().transport("nio").handler(h).build().transport().provider().name()).isEqualTo("nio");
        // this module's tests do not have keel-transport-io_uring on their class path
        assertThatThrownBy(() -> Server.builder().transport("io_uring")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("transport io_uring cannot run here").hasMessageContaining("keel-transport-io_uring");
        Transports.Choice auto = Server.builder().transport("auto").handler(h).build().transport();
        assertThat(auto.provider().name()).isEqualTo("nio");
        assertThat(auto.fallbackReason()).contains("not on the class path");
    }
}
