/**
 * TLS for Keel: a layer between the socket and the protocol, on the JDK's SSLEngine or on BoringSSL through
 * netty-tcnative (Netty's OpenSSL SSLEngine).
 *
 * <h2>Launcher usage</h2>
 * <pre>{@code
 * TlsContext tls;
 * try {
 *     tls = TlsContext.builder()
 *             .certificate(Path.of("cert.pem"), Path.of("key.pem"))   // or .certificate(Path.of("both.pem")),
 *                                                                     // .pkcs12(file, pw) or .selfSigned()
 *             .provider(TlsProvider.JDK)                              // or TlsProvider.OPENSSL (netty-tcnative)
 *             // .verifyPeer(Path.of("client-ca.pem"))                // require client certificates
 *             // .certificate(otherCert, otherKey)                    // more identities, chosen by SNI
 *             .build();
 * } catch (TlsConfigException e) {
 *     System.err.println(e.getMessage());                            // one clear sentence
 *     System.exit(1);
 * }
 * System.out.println("certificate SHA-256 fingerprint: " + tls.sha256Fingerprint());
 * ConnectionHandler handler = new TlsServerLayer(tls, webSocketOrEchoHandler);
 * // or TlsServerLayer.builder(tls, inner).handshakeTimeout(Duration.ofSeconds(10)).listener(...).build()
 * Server.builder().bind(host, port).handler(handler).build().start();
 * // on SIGHUP or a file change: tls.reload()  (new connections get the new certificate)
 * }</pre>
 *
 * <h2>What the inner handler sees</h2>
 * {@code onOpen} only once the handshake is complete, with {@link io.keel.core.Connection#tlsSession()} set and
 * {@link io.keel.core.Connection#isSecure()} true; plaintext in {@code onData} with the core's contract (bytes
 * left in the buffer come back with the next ones); its sends encrypted, corked per callback into as few records
 * as possible, with the raw connection's {@link io.keel.core.SendStatus}. A
 * {@link io.keel.tls.SecureConnectionListener} (given to the layer's builder, or implemented by the inner
 * handler) gets protocol, cipher suite, ALPN, SNI and client certificates just before {@code onOpen}.
 */
package io.keel.tls;
