package io.keel.echo;

import io.keel.core.Connection;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.protocol.HttpRequest;
import io.keel.websocket.protocol.HttpResponses;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The plain HTTP side of the echo server's port: {@code GET /} a page to try the echo by hand (and which runs a
 * self-test), {@code GET /healthz} 200 while the server accepts, {@code GET /metrics} the counters in
 * Prometheus' text format.
 */
final class HttpEndpoints implements HttpFallback {
    private final byte[] page;
    private final BooleanSupplier accepting;
    private final Supplier<String> metrics;

    HttpEndpoints(BooleanSupplier accepting, Supplier<String> metrics) {
        this.accepting = accepting;
        this.metrics = metrics;
        this.page = ServerProgram.resource(HttpEndpoints.class, "index.html");
    }

    @Override
    public byte[] respond(HttpRequest request, Connection connection) {
        return switch (request.path()) {
            case "/", "/index.html" -> HttpResponses.ok("text/html; charset=utf-8", page, false);
            case "/healthz" -> accepting.getAsBoolean()
                ? HttpResponses.ok("text/plain", "ok\n".getBytes(StandardCharsets.US_ASCII), false)
                : HttpResponses.error(503, "shutting down");
            case "/metrics" -> HttpResponses.ok("text/plain; version=0.0.4; charset=utf-8",
                metrics.get().getBytes(StandardCharsets.UTF_8), false);
            default -> HttpResponses.error(404, "not found");
        };
    }
}
