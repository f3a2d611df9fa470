package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.tls.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated certificate kept across restarts: where, when it is reused, when it is replaced, and failures. */
class SelfSignedCacheTest {
    @TempDir
    Path tmp;

    @Test
    void theDefaultDirectoryFollowsXdgThenHomeThenUserHome() {
        assertThat(SelfSignedCache.defaultDir(Map.of("XDG_CACHE_HOME", "/c", "HOME", "/h"), "/u")).isEqualTo(Path.of("/c/keel"));
        assertThat(SelfSignedCache.defaultDir(Map.of("XDG_CACHE_HOME", "relative", "HOME", "/h"), "/u"))
            .as("a relative XDG_CACHE_HOME is ignored, as the spec says").isEqualTo(Path.of("/h/.cache/keel"));
        // root on CI: HOME set by the environment, user.home from the password database
        assertThat(SelfSignedCache.defaultDir(Map.of("HOME", "/work/ci-home"), "/root")).isEqualTo(Path.of("/work/ci-home/.cache/keel"));
        assertThat(SelfSignedCache.defaultDir(Map.of(), "/u")).isEqualTo(Path.of("/u/.cache/keel"));
        assertThat(SelfSignedCache.defaultDir(Map.of(), "?")).isNull();
        assertThat(SelfSignedCache.defaultDir(Map.of(), null)).isNull();
    }

    @Test
    void generatedOnceWithAnOwnerOnlyKeyThenReused() throws Exception {
        Path dir = tmp.resolve("cache/keel");
        SelfSignedCache.Result first = SelfSignedCache.obtain(dir, true);
        Path pem = dir.resolve("self-signed.pem");
        assertThat(first.file()).isEqualTo(pem);
        assertThat(first.certificateFile()).isEqualTo(dir.resolve("self-signed.crt"));
        assertThat(first.warning()).isFalse();
        assertThat(first.note()).isEqualTo("generated a self-signed certificate in " + pem + " (kept for the next starts)");
        assertThat(SelfSignedCertificate.readPem(pem).certificate()).isEqualTo(first.certificate().certificate());
        assertThat(Files.readString(first.certificateFile())).isEqualTo(first.certificate().certificatePem());
        if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pem))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.certificateFile())))
                .isEqualTo("rw-r--r--");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        }

        SelfSignedCache.Result second = SelfSignedCache.obtain(dir, true);
        assertThat(second.note()).as("reused: nothing to say").isNull();
        assertThat(second.file()).isEqualTo(pem);
        assertThat(second.certificate().sha256Fingerprint()).isEqualTo(first.certificate().sha256Fingerprint());
        assertThat(second.certificate().privateKey().getEncoded()).isEqualTo(first.certificate().privateKey().getEncoded());
    }

    @Test
    void anExpiredOrSoonExpiringCertificateIsReplacedAndSaidSo() throws Exception {
        Path pem = tmp.resolve("self-signed.pem");
        Instant start = Instant.parse("2020-01-01T00:00:00Z");
        SelfSignedCertificate.generate(start, Duration.ofDays(30)).writePem(pem);
        SelfSignedCache.Result r = SelfSignedCache.obtain(tmp, true);
        assertThat(r.note()).isEqualTo("generated a new self-signed certificate in " + pem
            + ": the one there expired on 2020-01-31T00:00:00Z");
        assertThat(SelfSignedCertificate.readPem(pem).certificate()).isEqualTo(r.certificate().certificate());
        assertThat(r.certificate().certificate().getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(300)));

        SelfSignedCertificate soon = SelfSignedCertificate.generate(Instant.now().minus(Duration.ofDays(1)), Duration.ofHours(30));
        soon.writePem(pem);
        r = SelfSignedCache.obtain(tmp, true);
        assertThat(r.note()).startsWith("generated a new self-signed certificate in " + pem + ": the one there expires on ");
        assertThat(r.certificate().sha256Fingerprint()).isNotEqualTo(soon.sha256Fingerprint());
    }

    @Test
    void anUnreadableFileIsReplacedAndSaidSo() throws Exception {
        Path pem = tmp.resolve("self-signed.pem");
        Files.writeString(pem, "not a certificate");
        SelfSignedCache.Result r = SelfSignedCache.obtain(tmp, true);
        assertThat(r.note()).isEqualTo("generated a new self-signed certificate in " + pem + ": the one there cannot be"
            + " used: The certificate and key file " + pem + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        assertThat(SelfSignedCertificate.readPem(pem).certificate()).isEqualTo(r.certificate().certificate());
    }

    @Test
    void aDirectoryThatCannotBeWrittenFailsWhenNamedAndFallsBackToMemoryByDefault() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> SelfSignedCache.obtain(file, true)).isInstanceOf(StartupException.class)
            .hasMessage("cannot keep the self-signed certificate in " + file + ": it is a file, not a directory");
        Path below = file.resolve("keel");
        SelfSignedCache.Result r = SelfSignedCache.obtain(below, false);
        assertThat(r.file()).isNull();
        assertThat(r.certificateFile()).isNull();
        assertThat(r.warning()).isTrue();
        assertThat(r.note()).isEqualTo("warning: cannot keep the self-signed certificate in " + below + " (" + file
            + " is a file, not a directory); using one in memory (browsers will ask again after a restart)");
        assertThat(r.certificate().certificate().getNotAfter().toInstant()).isAfter(Instant.now());
        try (var left = Files.list(tmp)) {
            assertThat(left).containsExactly(file);
        }
    }
}
