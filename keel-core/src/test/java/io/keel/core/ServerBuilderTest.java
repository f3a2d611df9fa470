package io.keel.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder refuses bad settings at once, with a message that names the setting and the value. */
class ServerBuilderTest {

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
    void thePortOfAServerNotStartedIsAnError() {
        Server server = Server.builder().bind("127.0.0.1", 0).handler((c, data) -> data.position(data.limit())).build();
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    }
}
