package io.keel.transport.iouring;

/**
 * Receives completion queue entries from {@link IoUring#drain(CompletionHandler)}, one call per
 * {@code struct io_uring_cqe}. Implement it once per event loop (a field, not a lambda per call) so draining
 * allocates nothing.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * One completion. The entry is already consumed (the CQ head has moved past it), so the handler may prepare
     * new submissions, call {@link IoUring#submit()}, or drain again.
     *
     * @param userData the {@code user_data} of the submission this completes
     * @param result {@code cqe.res}: a count or descriptor when {@code >= 0}, {@code -errno} when negative
     *     (see {@link Errno})
     * @param flags {@code cqe.flags}: {@link IoUring#CQE_F_MORE} (a multishot request stays armed),
     *     {@link IoUring#CQE_F_BUFFER} (a provided buffer was used; its id is {@link IoUring#bufferId(int)})
     */
    void complete(long userData, int result, int flags);
}
