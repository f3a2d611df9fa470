package io.keel.transport.iouring;

/**
 * The numbers of {@code <linux/io_uring.h>} this module uses (the kernel's user-space API, hence the name). Struct
 * offsets are given where a struct is read or written; every struct is little-endian on the supported CPUs.
 */
final class Uapi {
    // io_uring_setup(2) flags (io_uring_params.flags)
    static final int SETUP_CQSIZE = 1 << 3, SETUP_SUBMIT_ALL = 1 << 7, SETUP_COOP_TASKRUN = 1 << 8;
    static final int SETUP_SINGLE_ISSUER = 1 << 12, SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_params.features
    static final int FEAT_SINGLE_MMAP = 1, FEAT_NODROP = 1 << 1, FEAT_EXT_ARG = 1 << 8;

    // io_uring_enter(2) flags
    static final int ENTER_GETEVENTS = 1, ENTER_EXT_ARG = 1 << 3;

    // io_uring_register(2) opcodes
    static final int REGISTER_PROBE = 8, REGISTER_PBUF_RING = 22, UNREGISTER_PBUF_RING = 23;

    // mmap(2) offsets of the three regions
    static final long OFF_SQ_RING = 0L, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;

    // opcodes (enum io_uring_op)
    static final byte OP_NOP = 0, OP_ACCEPT = 13, OP_ASYNC_CANCEL = 14, OP_READ = 22, OP_SEND = 26, OP_RECV = 27;

    // sqe.flags, sqe.ioprio and cqe.flags bits
    static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    static final short ACCEPT_MULTISHOT = 1, RECV_MULTISHOT = 1 << 1;
    static final int CQE_F_BUFFER = 1, CQE_F_MORE = 1 << 1;

    /** struct io_uring_params: 120 bytes; sq_off at 40, cq_off at 80. */
    static final int PARAMS_SIZE = 120;
    static final int P_SQ_ENTRIES = 0, P_CQ_ENTRIES = 4, P_FLAGS = 8, P_FEATURES = 20;
    static final int P_SQ_HEAD = 40, P_SQ_TAIL = 44, P_SQ_MASK = 48, P_SQ_ENTRIES_OFF = 52, P_SQ_ARRAY = 64;
    static final int P_CQ_HEAD = 80, P_CQ_TAIL = 84, P_CQ_MASK = 88, P_CQ_ENTRIES_OFF = 92, P_CQ_CQES = 100;

    /** struct io_uring_sqe and io_uring_cqe sizes (no SQE128/CQE32). */
    static final int SQE_SIZE = 64, CQE_SIZE = 16;

    /** struct io_uring_getevents_arg: sigmask, sigmask_sz, pad, ts; 24 bytes. */
    static final int GETEVENTS_ARG_SIZE = 24;

    /** struct io_uring_probe: 16-byte header, then 8 bytes per op (op, resv, flags u16, resv2). */
    static final int PROBE_OPS = 256, PROBE_HEADER = 16, PROBE_OP_SIZE = 8, OP_SUPPORTED = 1;

    /** struct io_uring_buf (16 bytes: addr, len, bid, resv) and io_uring_buf_reg (40 bytes). */
    static final int BUF_SIZE = 16, BUF_RING_TAIL = 14, BUF_REG_SIZE = 40;

    private Uapi() {
    }
}
