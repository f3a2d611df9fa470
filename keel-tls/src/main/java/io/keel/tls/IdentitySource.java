package io.keel.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where one server identity of a {@link TlsContext} comes from, as given to its builder. {@link #load()} reads it
 * (again on every {@link TlsContext#reload()}), so that a reload picks up changed files.
 */
sealed interface IdentitySource {

    /**
     * Reads and checks the identity.
     *
     * @return the key and its chain, checked ({@link KeyMaterial#validated})
     * @throws TlsConfigException when a file is missing, unreadable, or holds no usable key or certificate
     */
    KeyMaterial load();

    /** PEM files: the chain in {@code chain}, the key in {@code key}, or in {@code chain} too when {@code key} is null. */
    record Pem(Path chain, Path key) implements IdentitySource {
        @Override
        public KeyMaterial load() {
            return key == null ? KeyMaterial.fromPem(chain) : KeyMaterial.fromPem(chain, key);
        }
    }

    /** A PKCS#12 file and its password. */
    record Pkcs12(Path file, char[] password) implements IdentitySource {
        @Override
        public KeyMaterial load() {
            return KeyMaterial.fromPkcs12(file, password);
        }
    }

    /** A PKCS#12 file whose password is the first line of {@code passwordFile} (without its CR LF or LF). */
    record Pkcs12PasswordFile(Path file, Path passwordFile) implements IdentitySource {
        @Override
        public KeyMaterial load() {
            String text = new String(KeyFiles.readBytes(passwordFile, "password"), StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            String pw = nl >= 0 ? text.substring(0, nl) : text;
            if (pw.endsWith("\r")) {
                pw = pw.substring(0, pw.length() - 1);
            }
            return KeyMaterial.fromPkcs12(file, pw.toCharArray());
        }
    }

    /** An identity given as objects (checked when given); a reload keeps it as is. */
    record Fixed(KeyMaterial material) implements IdentitySource {
        @Override
        public KeyMaterial load() {
            return material;
        }
    }
}
