package io.keel.echo.hardening;

import io.keel.echo.EchoProcess;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * testssl.sh (Debian package testssl.sh) against the real wss program, once per TLS provider: protocols (-p),
 * cipher categories (-s), forward secrecy (-f), renegotiation (-R) and compression / CRIME (-C). Asserts only
 * TLS 1.2 and 1.3, only strong AEAD suites with forward secrecy, no renegotiation issue, no compression. Skipped
 * when testssl.sh is missing, unless keel.requireTools=true.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TlsScanTest {
    private static final Pattern ENTRY = Pattern.compile(
        "\\{\\s*\"id\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"severity\"\\s*:\\s*\"([^\"]*)\"[^}]*?\"finding\"\\s*:\\s*\"([^\"]*)\"");

    static String testssl() {
        for (String c : List.of("/usr/bin/testssl", "/usr/bin/testssl.sh", "/usr/local/bin/testssl.sh")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void onlyModernProtocolsAndAeadForwardSecretSuites(String provider, @TempDir Path dir) throws Exception {
        String tool = testssl();
        if (Boolean.getBoolean("keel.requireTools")) {
            assertThat(tool).as("keel.requireTools=true but testssl.sh is missing (apt-get install testssl.sh)").isNotNull();
        }
        Assumptions.assumeTrue(tool != null, "testssl.sh is missing (apt-get install testssl.sh)");
        try (EchoProcess p = EchoProcess.start("--mode", "wss", "--bind", "127.0.0.1", "--port", "0", "--tls-provider", provider)) {
            Path json = dir.resolve("scan.json");
            Process scan = new ProcessBuilder(tool, "--quiet", "--warnings", "off", "--color", "0", "--jsonfile",
                json.toString(), "-p", "-s", "-f", "-R", "-C", "127.0.0.1:" + p.port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("scan.txt").toFile()).start();
            assertThat(scan.waitFor(240, TimeUnit.SECONDS)).as("testssl.sh finished within 4 minutes").isTrue();
            Map<String, String> f = new LinkedHashMap<>();
            Matcher m = ENTRY.matcher(Files.readString(json));
            while (m.find()) {
                f.put(m.group(1), m.group(3));
            }
            System.out.println("testssl.sh against wss --tls-provider " + provider + ":");
            f.forEach((k, v) -> System.out.println("  " + k + ": " + v));
            assertThat(f).as("testssl.sh findings").containsKeys("SSLv2", "TLS1_3", "cipherlist_NULL", "PFS", "secure_client_renego");
            for (String old : List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1")) {
                assertThat(f.get(old)).as(old).startsWith("not offered");
            }
            assertThat(f.get("TLS1_2")).as("TLS 1.2").startsWith("offered");
            assertThat(f.get("TLS1_3")).as("TLS 1.3").startsWith("offered");
            // NULL, anonymous, export, LOW (DES, RC2, RC4), 3DES/IDEA, AVERAGE (the obsolete CBC suites)
            for (String weak : List.of("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                "cipherlist_3DES_IDEA", "cipherlist_AVERAGE")) {
                assertThat(f.get(weak)).as(weak).startsWith("not offered");
            }
            assertThat(f.get("cipherlist_STRONG")).as("AEAD suites").startsWith("offered");
            assertThat(f.get("PFS")).as("forward secrecy").startsWith("offered");
            for (String suite : f.getOrDefault("PFS_ciphers", "").trim().split("\\s+")) {
                assertThat(suite).as("a forward-secret suite that is not AEAD").matches(".*(GCM|CHACHA20|CCM).*");
            }
            assertThat(f.get("secure_renego")).as("secure renegotiation (RFC 5746)").doesNotContain("not supported");
            assertThat(f.get("secure_client_renego")).as("client-initiated renegotiation").startsWith("not vulnerable");
            assertThat(f.get("CRIME_TLS")).as("TLS compression (CRIME)").startsWith("not vulnerable");
        }
    }
}
