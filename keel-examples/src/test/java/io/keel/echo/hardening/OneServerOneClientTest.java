package io.keel.echo.hardening;

import io.keel.core.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the send-path tests share: one in-process server ({@link Rig}), one raw client ({@link Wire}), and the
 * log captured for the whole test so that each can assert no error was logged; all three closed afterwards.
 */
abstract class OneServerOneClientTest {
    protected LogCapture log;
    protected Rig rig;
    protected Wire client;

    @BeforeEach
    void captureLog() {
        log = LogCapture.start();
    }

    @AfterEach
    void closeClientServerAndLog() {
        if (client != null) {
            client.abort();
        }
        try {
            if (rig != null) {
                rig.close();
            }
        } finally {
            log.close();
        }
    }
}
