package io.keel.transport.iouring;

/**
 * The 64-bit user data of each request (io_uring_sqe.user_data, echoed in its completion): the slot of the socket
 * or listener it concerns, and which kind of request it was, so a completion finds its owner with one array read.
 */
final class UserData {
    static final int RECV = 1, SEND = 2, ACCEPT = 3, WAKE = 4, CANCEL = 5;

    private UserData() {
    }

    static long of(int slot, int op) {
        return ((long) slot << 8) | op;
    }

    static int slot(long userData) {
        return (int) (userData >>> 8);
    }

    static int op(long userData) {
        return (int) (userData & 0xff);
    }
}
