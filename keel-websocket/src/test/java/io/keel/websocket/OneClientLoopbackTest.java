package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.LogCapture;
import io.keel.core.Server;
import io.keel.core.TestServers;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the send-path WebSocket tests share: one server on one loop running the test's application, one raw
 * client, and the log captured for the whole test; afterwards the buffers must all be back, and nothing may have
 * been logged as an error or thrown by a handler.
 */
abstract class OneClientLoopbackTest {
    protected Server server;
    protected RawClient client;
    protected LogCapture log;

    /** The application under test (a field of the subclass, made before each test). */
    protected abstract WebSocketHandler app();

    @BeforeEach
    void startServerAndClient() throws IOException {
        log = LogCapture.start();
        server = TestServers.start(Server.builder().ioThreads(1).handler(WebSocketProtocolHandler.builder(app()).build()));
        client = new RawClient(server.localAddress());
    }

    @AfterEach
    void stopAndCheck() throws IOException {
        try {
            client.close();
            TestServers.closeAndCheckLeaks(server);
            log.assertNoErrors();
            assertThat(server.stats().handlerErrors()).isZero();
        } finally {
            log.close();
        }
    }
}
