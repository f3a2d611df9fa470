package io.keel.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.echo.hardening.Wire;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsProvider;
import io.keel.websocket.ClientWire.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's code cannot rot.
 *
 * <p>The README checks: every {@code ```java} block in {@code README.md} is a whole file of this repository,
 * named by a Markdown link on the last non-blank line before the block, and is identical to that file; every
 * example program under {@code io/keel/examples} is shown; every Maven dependency in a {@code ```xml} block has
 * the version (and classifier) the root POM manages.
 *
 * <p>The example checks: each example server, started in this JVM on a free port by the {@code start} method its
 * {@code main} calls, serves a real client (TCP echo, WebSocket echo over ws:// and wss:// with both TLS providers, the
 * chat room and its page). Each server is closed with a check that every pooled buffer came back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExamplesTest {
    /** The project root: surefire runs the tests in keel-examples/. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXAMPLES = ROOT.resolve("keel-examples/src/main/java/io/keel/examples");
    private static final Pattern LINK_TO_JAVA_FILE = Pattern.compile("\\]\\(([^)\\s]+\\.java)\\)");

    /** A fenced block of the README: its language, its text, the line of its opening fence, the line before it. */
    private record Block(String language, String text, int line, String caption) {
    }

    private static List<String> readmeLines() throws IOException {
        return Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    }

    private static List<Block> blocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String fence = lines.get(i).strip();
            if (!fence.startsWith("```") || fence.length() == 3) {
                continue; // not an opening fence with a language
            }
            int open = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            assertThat(i).as("README line %d: the ``` block is never closed", open + 1).isLessThan(lines.size());
            String caption = "";
            for (int j = open - 1; j >= 0; j--) {
                if (!lines.get(j).isBlank()) {
                    caption = lines.get(j);
                    break;
                }
            }
            blocks.add(new Block(fence.substring(3).strip(), text.toString(), open + 1, caption));
        }
        return blocks;
    }

    @Test
    void everyJavaBlockIsAWholeFileOfTheRepositoryAsItIs() throws IOException {
        List<Block> java = blocks(readmeLines()).stream().filter(b -> b.language().equals("java")).toList();
        assertThat(java).as("Java blocks in README.md").isNotEmpty();
        for (Block b : java) {
            Matcher link = LINK_TO_JAVA_FILE.matcher(b.caption());
            assertThat(link.find())
                .as("README line %d: the line before a ```java block must link to the file it shows, as in "
                    + "[`TcpEchoServer.java`](keel-examples/src/main/java/io/keel/examples/TcpEchoServer.java);"
                    + " it is: %s", b.line(), b.caption())
                .isTrue();
            Path file = ROOT.resolve(link.group(1)).normalize();
            assertThat(file).as("README line %d links to %s", b.line(), link.group(1)).isRegularFile();
            String source = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(b.text())
                .as("README line %d: the block differs from %s (%s); copy the file into the block",
                    b.line(), ROOT.relativize(file), firstDifference(b.text(), source))
                .isEqualTo(source);
        }
    }

    /** "line N: README has X, the file has Y", for a failure message that says where to look. */
    private static String firstDifference(String readme, String file) {
        String[] a = readme.split("\n", -1);
        String[] b = file.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(end)";
            String y = i < b.length ? b[i] : "(end)";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " of the file: README has \"" + x + "\", the file has \"" + y + "\"";
            }
        }
        return "no difference";
    }

    @Test
    void everyExampleProgramIsShownInTheReadme() throws IOException {
        Set<Path> shown = new HashSet<>();
        for (Block b : blocks(readmeLines())) {
            Matcher link = LINK_TO_JAVA_FILE.matcher(b.caption());
            if (b.language().equals("java") && link.find()) {
                shown.add(ROOT.resolve(link.group(1)).normalize());
            }
        }
        Set<Path> examples = new TreeSet<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(examples::add);
        }
        assertThat(examples).as("example programs").isNotEmpty();
        for (Path f : examples) {
            assertThat(shown).as("%s is not shown in README.md", ROOT.relativize(f)).contains(f);
        }
    }

    /**
     * The dependency snippets name artifacts the root POM manages, at its versions, with a classifier it declares:
     * the README's version cannot fall behind the POM's.
     */
    @Test
    void everyMavenDependencyInTheReadmeHasThePomsVersion() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8);
        Map<String, String> properties = new HashMap<>();
        properties.put("project.version", tag(pom.substring(pom.indexOf("<artifactId>keel-parent</artifactId>")),
            "version"));
        Matcher p = Pattern.compile("<([\\w.]+)>([^<]*)</\\1>")
            .matcher(pom.substring(pom.indexOf("<properties>"), pom.indexOf("</properties>")));
        while (p.find()) {
            properties.put(p.group(1), p.group(2));
        }
        String managedSection = pom.substring(pom.indexOf("<dependencyManagement>"),
            pom.indexOf("</dependencyManagement>"));
        Set<String> managed = new HashSet<>();
        for (String d : dependencies(managedSection)) {
            String version = tag(d, "version");
            for (Map.Entry<String, String> e : properties.entrySet()) {
                version = version.replace("${" + e.getKey() + "}", e.getValue());
            }
            managed.add(coordinates(d, version));
        }

        List<String> inReadme = new ArrayList<>();
        for (Block b : blocks(readmeLines())) {
            if (b.language().equals("xml")) {
                for (String d : dependencies(b.text())) {
                    String c = coordinates(d, tag(d, "version"));
                    inReadme.add(c);
                    assertThat(managed).as("README line %d: %s is not what the root pom.xml manages", b.line(), c)
                        .contains(c);
                }
            }
        }
        assertThat(inReadme).as("dependencies in README.md")
            .contains(coordinates("io.keel", "keel-websocket", "", properties.get("project.version")));
    }

    private static List<String> dependencies(String xml) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(xml);
        while (m.find()) {
            if (!m.group(1).contains("<type>") && !m.group(1).contains("<scope>")) { // test-jars, BOMs
                found.add(m.group(1));
            }
        }
        return found;
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">\\s*([^<]*?)\\s*</" + name + ">").matcher(xml);
        return m.find() ? m.group(1) : "";
    }

    private static String coordinates(String dependency, String version) {
        return coordinates(tag(dependency, "groupId"), tag(dependency, "artifactId"), tag(dependency, "classifier"),
            version);
    }

    private static String coordinates(String group, String artifact, String classifier, String version) {
        return group + ":" + artifact + (classifier.isEmpty() ? "" : ":" + classifier) + ":" + version;
    }

    // ---- the example programs, each started as its main starts it, on a free port ----

    private static InetSocketAddress local(Server server) {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    @Test
    void tcpEchoServerEchoesEveryByte() throws Exception {
        Server server = TcpEchoServer.start(0);
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            byte[] sent = new byte[1 << 20]; // more than the socket buffers hold: the echo meets backpressure
            new Random(42).nextBytes(sent);
            OutputStream out = client.getOutputStream();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    out.write(sent);
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            InputStream in = client.getInputStream();
            byte[] received = in.readNBytes(sent.length);
            writer.get(10, TimeUnit.SECONDS);
            assertThat(received).isEqualTo(sent);
            client.shutdownOutput();
            assertThat(in.read()).as("the server closes after the client's half-close").isEqualTo(-1);
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void webSocketEchoServerEchoesTextAndBinaryOnEveryVersion() throws Exception {
        Server server = WebSocketEchoServer.start(0);
        try {
            for (int version : new int[] {13, 8, 7}) {
                try (Wire ws = new Wire(local(server), false).upgrade(version)) {
                    ws.sendText("héllo, Keel " + version);
                    assertThat(ws.readText()).isEqualTo("héllo, Keel " + version);
                    byte[] data = {0, 1, 2, (byte) 0xFF};
                    ws.sendBinary(data);
                    Frame f = ws.readFrame();
                    assertThat(f.opcode()).isEqualTo(0x2);
                    assertThat(f.payload()).isEqualTo(data);
                    ws.closeNormally();
                }
            }
            try (Wire hixie = new Wire(local(server), false).upgrade(76)) {
                hixie.sendText("hello, Hixie-76");
                assertThat(hixie.readText()).isEqualTo("hello, Hixie-76");
                hixie.closeNormally();
            }
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void secureWebSocketEchoServerEchoesOverTls(TlsProvider provider) throws Exception {
        assumeTrue(provider.isAvailable(), provider + " is not available on this platform");
        TlsContext tls = TlsContext.builder().provider(provider).selfSigned().build();
        Server server = SecureWebSocketEchoServer.start(0, tls);
        try (Wire ws = new Wire(local(server), true).upgrade(13)) {
            ws.sendText("hello over TLS");
            assertThat(ws.readText()).isEqualTo("hello over TLS");
            ws.closeNormally();
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void chatRoomServerSendsEveryMessageToEveryClientAndServesItsPage() throws Exception {
        Server server = ChatRoomServer.start(0);
        try {
            try (Wire http = new Wire(local(server), false)) {
                http.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(http.readHead()).startsWith("HTTP/1.1 200").containsIgnoringCase("text/html");
                assertThat(new String(http.readToEnd(), StandardCharsets.UTF_8)).contains("new WebSocket(");
            }
            try (Wire http = new Wire(local(server), false)) {
                http.write("GET /elsewhere HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(http.readHead()).startsWith("HTTP/1.1 404");
            }
            List<Wire> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(new Wire(local(server), false).upgrade(13));
                }
                clients.get(0).sendText("hello from 0");
                clients.get(2).sendText("hello from 2");
                for (Wire c : clients) { // each sender's messages arrive in order; these two may interleave
                    assertThat(List.of(c.readText(), c.readText()))
                        .containsExactlyInAnyOrder("hello from 0", "hello from 2");
                }
                for (Wire c : clients) {
                    c.closeNormally();
                }
            } finally {
                clients.forEach(Wire::close);
            }
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }
}
