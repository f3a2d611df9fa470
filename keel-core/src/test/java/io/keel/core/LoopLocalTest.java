package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link LoopLocal}: one value per loop, made once on that loop, refused from other threads. */
class LoopLocalTest {

    @Test
    void eachLoopMakesItsOwnValueOnceOnItsThread() throws Exception {
        AtomicInteger made = new AtomicInteger();
        LoopLocal<String> key = LoopLocal.create("test", () -> Thread.currentThread().getName() + "#" + made.incrementAndGet());
        Server server = TestServers.start(Server.builder().ioThreads(2).handler((c, data) -> data.position(data.limit())));
        try {
            List<EventLoop> loops = server.loops();
            String first0 = onLoop(loops.get(0), key);
            String again0 = onLoop(loops.get(0), key);
            String first1 = onLoop(loops.get(1), key);
            assertThat(again0).isSameAs(first0);
            assertThat(first0).startsWith("keel-io-0#");
            assertThat(first1).startsWith("keel-io-1#");
            assertThat(made).hasValue(2);
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void anotherThreadIsRefusedAndANullValueIsAnError() throws Exception {
        LoopLocal<String> key = LoopLocal.create("test", () -> "value");
        LoopLocal<String> nothing = LoopLocal.create("nothing", () -> null);
        Server server = TestServers.start(Server.builder().ioThreads(1).handler((c, data) -> data.position(data.limit())));
        try {
            EventLoop loop = server.loops().get(0);
            assertThatThrownBy(() -> loop.local(key)).isInstanceOf(IllegalStateException.class);
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    loop.local(nothing);
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
            });
            assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("nothing");
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    private static String onLoop(EventLoop loop, LoopLocal<String> key) throws Exception {
        CompletableFuture<String> value = new CompletableFuture<>();
        loop.execute(() -> value.complete(loop.local(key)));
        return value.get(10, TimeUnit.SECONDS);
    }
}
