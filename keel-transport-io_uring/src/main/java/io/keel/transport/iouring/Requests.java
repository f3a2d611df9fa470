package io.keel.transport.iouring;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The requests one transport prepares on its ring, each with the user data its completion is routed by
 * ({@link UserData}). A full submission queue is handed to the kernel and the request prepared again, so a caller
 * never sees one refused. Loop thread only.
 */
final class Requests {
    private final short bufferGroup;
    /** Set once the loop's thread made the ring (IoUringTransport.startRing). */
    Ring ring;

    Requests(short bufferGroup) {
        this.bufferGroup = bufferGroup;
    }

    /** A receive into the provided buffers: multishot, or single while the socket reads one buffer per wait. */
    void receive(UringSocket s) {
        long ud = UserData.of(s.slot, UserData.RECV);
        while (!(s.singleShot ? ring.recv(s.fd, bufferGroup, ud) : ring.recvMultishot(s.fd, bufferGroup, ud))) {
            submitToMakeRoom();
        }
        s.recvArmed = true;
    }

    /** Cancels the socket's receive; input that completes before the cancel runs is still delivered. */
    void cancelReceive(UringSocket s) {
        cancel(UserData.of(s.slot, UserData.RECV));
        s.recvCancelling = true;
    }

    /** Sends the socket's staged bytes from {@code sendStart} to {@code end} of its chunk at {@code chunkAddress}. */
    void send(UringSocket s, long chunkAddress, int end) {
        long ud = UserData.of(s.slot, UserData.SEND);
        while (!ring.send(s.fd, chunkAddress + s.sendStart, end - s.sendStart, ud)) {
            submitToMakeRoom();
        }
        s.inFlightEnd = end;
        s.sendInFlight = true;
    }

    void accept(UringListener l) {
        while (!ring.acceptMultishot(l.fd, UserData.of(l.slot, UserData.ACCEPT))) {
            submitToMakeRoom();
        }
        l.armed = true;
    }

    /** Reads the wake-up eventfd's 8 bytes into {@code address}: completes when another thread signals it. */
    void wake(int eventFd, long address) {
        while (!ring.read(eventFd, address, 8, UserData.of(0, UserData.WAKE))) {
            submitToMakeRoom();
        }
    }

    void cancel(long target) {
        while (!ring.cancel(target, UserData.of(0, UserData.CANCEL))) {
            submitToMakeRoom();
        }
    }

    /** The submission queue is full: hand it to the kernel now (rare: the queue holds thousands). */
    private void submitToMakeRoom() {
        try {
            if (ring.submit() > 0) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the io_uring submission queue stays full");
    }
}
