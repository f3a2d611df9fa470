package io.keel.websocket;

import io.keel.websocket.protocol.CloseCodes;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;

/**
 * {@link WebSocket#offload}: slow work of one WebSocket runs on virtual threads, one task at a time, and each
 * result is handed to the WebSocket's loop in the order the work was submitted, so that message order is kept.
 * Stateless: the chain's tail is the one field {@link WebSocketConnection} keeps (null until the first offload).
 */
final class OffloadChain {
    private static final System.Logger LOG = System.getLogger(WebSocketConnection.class.getName());
    private static final Executor VIRTUAL_THREADS = Executors.newVirtualThreadPerTaskExecutor();

    private OffloadChain() {
    }

    /**
     * Queues {@code work} behind {@code tail} (the previous offload's completion, or null) and returns the new
     * tail. When the work throws, the error is logged and the WebSocket closed with 1011 (RFC 6455 section
     * 7.4.1); {@code then} runs on the loop only while the connection is open.
     */
    static <T> CompletableFuture<?> append(CompletableFuture<?> tail, WebSocket ws, Callable<T> work,
            BiConsumer<WebSocket, T> then) {
        CompletableFuture<?> previous = tail == null ? CompletableFuture.completedFuture(null) : tail;
        CompletableFuture<T> result = previous.handleAsync((ignored, previousError) -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, VIRTUAL_THREADS);
        return result.handle((value, error) -> {
            ws.execute(() -> {
                if (error != null) {
                    LOG.log(System.Logger.Level.WARNING, "offloaded work failed", error);
                    if (ws.isOpen()) {
                        ws.close(CloseCodes.INTERNAL_ERROR, "internal error");
                    }
                } else if (ws.connection().isOpen()) {
                    then.accept(ws, value);
                }
            });
            return null;
        });
    }
}
