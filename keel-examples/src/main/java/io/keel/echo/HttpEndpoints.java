package io.keel.echo;

import io.keel.core.Connection;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.http.HttpResponses;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The plain HTTP side of the echo server: {@code GET /} a page to try the echo by hand (and which runs a self-test),
 * {@code GET /healthz} 200 while the server accepts, {@code GET /metrics} the counters in Prometheus' text format.
 * The ws/wss port serves all three; the admin port ({@code --admin-port}) only the last two, since the page talks
 * to the WebSocket on its own port.
 */
final class HttpEndpoints implements HttpFallback {
    /** The paths of {@link #forServicePort}, for the help and the start-up lines. */
    static final String PAGE = "/";
    static final String HEALTH = "/healthz";
    static final String METRICS = "/metrics";

    private final byte[] page; // null on the admin port
    private final BooleanSupplier accepting;
    private final Supplier<String> metrics;

    private HttpEndpoints(boolean withPage, BooleanSupplier accepting, Supplier<String> metrics) {
        this.accepting = accepting;
        this.metrics = metrics;
        this.page = withPage ? ServerProgram.resource(HttpEndpoints.class, "index.html") : null;
    }

    /** The page, /healthz and /metrics. */
    static HttpEndpoints forServicePort(BooleanSupplier accepting, Supplier<String> metrics) {
        return new HttpEndpoints(true, accepting, metrics);
    }

    /** /healthz and /metrics only: the admin port has no WebSocket for the page to talk to. */
    static HttpEndpoints forAdminPort(BooleanSupplier accepting, Supplier<String> metrics) {
        return new HttpEndpoints(false, accepting, metrics);
    }

    @Override
    public byte[] respond(HttpRequest request, Connection connection) {
        return switch (request.path()) {
            case "/", "/index.html" -> page != null
                ? HttpResponses.ok("text/html; charset=utf-8", page, false)
                : HttpResponses.error(404, "not found; this port serves " + HEALTH + " and " + METRICS);
            case HEALTH -> accepting.getAsBoolean()
                ? HttpResponses.ok("text/plain", "ok\n".getBytes(StandardCharsets.US_ASCII), false)
                : HttpResponses.error(503, "shutting down");
            case METRICS -> HttpResponses.ok("text/plain; version=0.0.4; charset=utf-8",
                metrics.get().getBytes(StandardCharsets.UTF_8), false);
            default -> HttpResponses.error(404, "not found");
        };
    }
}
