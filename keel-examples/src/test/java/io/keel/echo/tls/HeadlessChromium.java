package io.keel.echo.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the DevTools protocol with the JDK's WebSocket client: no Selenium, no sleeps.
 * (Chromium's own {@code --dump-dom --virtual-time-budget} is not used: virtual time does not wait for WebSocket
 * traffic, so the page's 10 s self-test timer can fire in virtual time before the real echoes arrive.)
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path BINARY = Tools.find("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final HttpClient http = HttpClient.newHttpClient();
    private final WebSocket cdp;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    /** Starts Chromium with the usual headless flags plus {@code extraFlags}, and connects to its DevTools. */
    HeadlessChromium(Path userDataDir, String... extraFlags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + userDataDir, "--window-size=900,700",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"));
        cmd.addAll(List.of(extraFlags));
        cmd.add("about:blank");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    Matcher m = DEVTOOLS.matcher(line);
                    if (m.find()) {
                        endpoint.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // chromium ended
            }
            endpoint.completeExceptionally(new AssertionError("chromium ended without DevTools: " + output()));
        }, "chromium-output");
        pump.setDaemon(true);
        pump.start();
        try {
            String url = endpoint.get(60, TimeUnit.SECONDS);
            cdp = http.newWebSocketBuilder().buildAsync(URI.create(url), new Listener()).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new AssertionError("cannot drive chromium: " + e + "\n" + output(), e);
        }
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Sends one DevTools command (to the page session when {@code session} is not null); its whole response. */
    String send(String session, String method, String paramsJson) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.put(id, f);
        String msg = "{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson
            + (session == null ? "" : ",\"sessionId\":\"" + session + "\"") + "}";
        cdp.sendText(msg, true).get(10, TimeUnit.SECONDS);
        String r = f.get(40, TimeUnit.SECONDS);
        if (r.contains("\"error\":{")) {
            throw new AssertionError(method + " failed: " + r);
        }
        return r;
    }

    /** Waits for the event {@code method} of {@code session}. */
    String awaitEvent(String session, String method) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (true) {
            String e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no " + method + " within 40 s; chromium said:\n" + output());
            }
            if (e.contains("\"method\":\"" + method + "\"") && e.contains("\"sessionId\":\"" + session + "\"")) {
                return e;
            }
        }
    }

    /** A new tab attached in flat mode: its session id. */
    String newPage() throws Exception {
        String target = string(send(null, "Target.createTarget", "{\"url\":\"about:blank\"}"), "targetId");
        String session = string(send(null, "Target.attachToTarget", "{\"targetId\":\"" + target + "\",\"flatten\":true}"), "sessionId");
        send(session, "Page.enable", "{}");
        return session;
    }

    /** Navigates the page and waits for its load event. */
    void load(String session, String url) throws Exception {
        events.clear();
        String r = send(session, "Page.navigate", "{\"url\":" + json(url) + "}");
        if (r.contains("\"errorText\"")) {
            throw new AssertionError("navigation to " + url + " failed: " + r);
        }
        awaitEvent(session, "Page.loadEventFired");
    }

    /** Evaluates {@code expression} (a promise is awaited) in the page; the string result. */
    String evaluate(String session, String expression) throws Exception {
        String r = send(session, "Runtime.evaluate",
            "{\"expression\":" + json(expression) + ",\"awaitPromise\":true,\"returnByValue\":true}");
        if (r.contains("\"exceptionDetails\"")) {
            throw new AssertionError("script failed: " + r);
        }
        return string(r, "value");
    }

    /** A PNG of the page's viewport. */
    byte[] screenshot(String session) throws Exception {
        return Base64.getDecoder().decode(string(send(session, "Page.captureScreenshot", "{\"format\":\"png\"}"), "data"));
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** The first string member {@code name} in a DevTools message (enough for the few answers read here). */
    static String string(String message, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"((?:[^\"\\\\]++|\\\\.)*+)\"").matcher(message);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in " + message);
        }
        return unescape(m.group(1));
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                default -> b.append(e); // " \ /
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (cdp != null) {
                send(null, "Browser.close", "{}");
            }
        } catch (Exception ignored) {
            // it goes anyway
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        http.close();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private static final Pattern ID = Pattern.compile("^\\{\"id\":(\\d+),");

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String msg = text.toString();
                text.setLength(0);
                Matcher m = ID.matcher(msg);
                if (m.find()) {
                    CompletableFuture<String> f = pending.remove(Integer.parseInt(m.group(1)));
                    if (f != null) {
                        f.complete(msg);
                    }
                } else {
                    events.add(msg);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
