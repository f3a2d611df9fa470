package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.http.HttpResponses;
import io.keel.websocket.protocol.HandshakeResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link HandshakePhase} on a connection in memory: answers, the timeout, the accepted request. */
class HandshakePhaseTest {
    private final FakeConnection connection = new FakeConnection();
    private final WebSocketProtocolHandler layer = WebSocketProtocolHandler.builder(new WebSocketHandler() { })
        .handshakeTimeout(Duration.ofSeconds(3))
        .httpFallback((request, c) -> HttpResponses.error(404, "nothing at " + request.path()))
        .build();

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private String sent() {
        return connection.sent.toString(StandardCharsets.US_ASCII);
    }

    @Test
    @DisplayName("RFC 6455 §4.2.1: a request that is not a valid upgrade is refused with 400 and the connection closed")
    void refused() {
        HandshakePhase h = new HandshakePhase(layer, connection);
        ByteBuffer data = ascii("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\nrest");
        assertThat(h.receive(data)).isInstanceOf(HandshakeResult.Rejected.class);
        assertThat(sent()).startsWith("HTTP/1.1 400");
        assertThat(connection.closed).isTrue();
        assertThat(data.hasRemaining()).as("the rest is ignored").isFalse();
        assertThat(connection.timers.get(0).cancelled).isTrue();
        assertThat(layer.stats().handshakesRejected()).isEqualTo(1);
    }

    @Test
    @DisplayName("a plain GET is answered by the HTTP fallback")
    void plainHttp() {
        HandshakePhase h = new HandshakePhase(layer, connection);
        assertThat(h.receive(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")))
            .isInstanceOf(HandshakeResult.NotWebSocket.class);
        assertThat(sent()).startsWith("HTTP/1.1 404").contains("nothing at /healthz");
        assertThat(connection.closed).isTrue();
        assertThat(layer.stats().httpRequests()).isEqualTo(1);
    }

    @Test
    @DisplayName("RFC 6455 §4.2.2: an accepted upgrade stops the timeout, keeps the request and leaves the frames after it")
    void accepted() {
        HandshakePhase h = new HandshakePhase(layer, connection);
        ByteBuffer data = ascii("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\nXY");
        assertThat(h.request()).isNull();
        assertThat(h.receive(data)).isInstanceOf(HandshakeResult.Accepted.class);
        assertThat(h.request().path()).isEqualTo("/chat");
        assertThat(data.remaining()).isEqualTo(2);
        assertThat(connection.timers.get(0).cancelled).isTrue();
        assertThat(sent()).as("the caller answers an accepted upgrade").isEmpty();
    }

    @Test
    @DisplayName("a request still incomplete when the handshake timeout fires: aborted and counted")
    void timeout() {
        HandshakePhase h = new HandshakePhase(layer, connection);
        assertThat(h.receive(ascii("GET / HT"))).isSameAs(HandshakeResult.NeedMoreData.INSTANCE);
        assertThat(connection.timers.get(0).millis).isEqualTo(3000);
        connection.timers.get(0).fire();
        assertThat(connection.aborted).isTrue();
        assertThat(layer.stats().handshakeTimeouts()).isEqualTo(1);
    }

    @Test
    void aPathSeenBeforeIsShared() {
        String first = HandshakePhase.sharedPath(new String("/same"));
        assertThat(HandshakePhase.sharedPath(new String("/same"))).isSameAs(first);
    }
}
