package io.keel.transport.iouring;

import io.keel.core.BufferPool;
import io.keel.core.TransportLoop;
import java.util.ArrayList;
import java.util.List;

/** A loop for a transport under test: it records what the transport reports as unexpected, for the test to assert. */
final class RecordingLoop implements TransportLoop {
    final List<Throwable> failures = new ArrayList<>();

    @Override
    public void eventsArrived() {
    }

    @Override
    public void unexpectedFailure(Throwable e) {
        failures.add(e);
    }

    @Override
    public BufferPool pool() {
        throw new UnsupportedOperationException("the io_uring transport reads into its own buffers");
    }

    @Override
    public int index() {
        return 0;
    }
}
