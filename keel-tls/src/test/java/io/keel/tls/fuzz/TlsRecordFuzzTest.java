package io.keel.tls.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Coverage-guided fuzzing of the TLS layer's record input ({@code TlsServerLayer.onData}) in memory: garbage or a
 * mutated real ClientHello before the handshake; after a real TLSv1.3/1.2 handshake, valid application records
 * with bytes flipped and garbage inserted, after a close_notify, or with the input closed. Invariants: see
 * {@link TlsFuzzHarness}; in addition the inner handler only ever receives a prefix of what the client encrypted.
 */
class TlsRecordFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void tlsRecordInput(FuzzedDataProvider d) throws Exception {
        int mode = d.consumeInt(0, 4);
        Random rnd = new Random(d.consumeLong());
        boolean inputClosed = d.consumeBoolean();
        TlsFuzzHarness h = new TlsFuzzHarness();
        switch (mode) {
            case 0 -> h.receiveSplit(d.consumeRemainingAsBytes(), rnd);
            case 1 -> {
                byte[] hello = mutate(clientHello(d.consumeBoolean() ? "TLSv1.3" : "TLSv1.2"), d);
                h.receiveSplit(concat(hello, d.consumeRemainingAsBytes()), rnd);
            }
            default -> {
                h.handshake(d.consumeBoolean() ? "TLSv1.3" : "TLSv1.2");
                h.pump(() -> false);
                byte[] plain = d.consumeBytes(d.consumeInt(0, 300));
                byte[] records = mode == 4 ? concat(h.records(plain), h.closeNotify()) : h.records(plain);
                boolean intact = true;
                if (mode == 3 && records.length > 0) {
                    int edits = d.consumeInt(1, 3);
                    for (int i = 0; i < edits; i++) {
                        records[d.consumeInt(0, records.length - 1)] ^= (byte) d.consumeInt(1, 255);
                    }
                    intact = false;
                }
                byte[] garbage = d.consumeRemainingAsBytes();
                int at = garbage.length == 0 ? records.length : rnd.nextInt(records.length + 1);
                byte[] stream = concat(Arrays.copyOf(records, at), garbage, Arrays.copyOfRange(records, at, records.length));
                h.receiveSplit(stream, rnd);
                byte[] got = h.inner.data.toByteArray();
                assertThat(got.length).isLessThanOrEqualTo(plain.length);
                assertThat(Arrays.copyOf(plain, got.length)).as("only authentic plaintext reaches the app").isEqualTo(got);
                if (intact && garbage.length == 0 && mode != 4) {
                    assertThat(got).isEqualTo(plain);
                    assertThat(h.raw.isOpen()).isTrue();
                }
            }
        }
        if (inputClosed && h.raw.isOpen()) {
            h.inputClosed();
        }
        h.check();
    }

    private static byte[] mutate(byte[] b, FuzzedDataProvider d) {
        int edits = d.consumeInt(0, 4);
        for (int i = 0; i < edits && b.length > 0; i++) {
            b[d.consumeInt(0, b.length - 1)] = d.consumeByte();
        }
        if (d.consumeBoolean()) {
            b = Arrays.copyOf(b, d.consumeInt(0, b.length));
        }
        return b;
    }

    private static final byte[][] HELLOS = new byte[2][];

    /** A real ClientHello from a JDK client engine (cached per protocol). */
    static synchronized byte[] clientHello(String protocol) {
        int i = protocol.equals("TLSv1.3") ? 0 : 1;
        if (HELLOS[i] == null) {
            try {
                SSLEngine e = javax.net.ssl.SSLContext.getDefault().createSSLEngine("localhost", 8443);
                e.setUseClientMode(true);
                SSLParameters p = e.getSSLParameters();
                p.setProtocols(new String[] {protocol});
                e.setSSLParameters(p);
                e.beginHandshake();
                ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
                e.wrap(ByteBuffer.allocate(0), out);
                out.flip();
                HELLOS[i] = new byte[out.remaining()];
                out.get(HELLOS[i]);
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }
        return HELLOS[i].clone();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
