package io.keel.transport.iouring;

import java.io.IOException;

/**
 * The calls {@link IoUringTransport} makes on its ring: the seam that lets its state machine run without a kernel
 * (tests drive it with a fake that completes requests in any order). {@link IoUring} is the only implementation in
 * production, so every call site stays monomorphic. Each method means exactly what the {@link IoUring} method of
 * the same name documents: a prepare returns false when the submission queue is full; nothing reaches the kernel
 * before {@link #submit()} or {@link #submitAndWait(long)}; completions arrive only through {@link #drain}.
 */
interface Ring {
    /** See {@link IoUring#send}. */
    boolean send(int fd, long address, int length, long userData);

    /** See {@link IoUring#recv}. */
    boolean recv(int fd, short bufferGroup, long userData);

    /** See {@link IoUring#recvMultishot}. */
    boolean recvMultishot(int fd, short bufferGroup, long userData);

    /** See {@link IoUring#acceptMultishot}. */
    boolean acceptMultishot(int listenFd, long userData);

    /** See {@link IoUring#read}. */
    boolean read(int fd, long address, int length, long userData);

    /** See {@link IoUring#cancel}. */
    boolean cancel(long targetUserData, long userData);

    /** See {@link IoUring#submit()}. */
    int submit() throws IOException;

    /** See {@link IoUring#submitAndWait(long)}. */
    int submitAndWait(long timeoutNanos) throws IOException;

    /** See {@link IoUring#drain(CompletionHandler)}. */
    int drain(CompletionHandler handler);

    /** See {@link IoUring#close()}. */
    void close();
}
