package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Incremental, allocation-free UTF-8 validator (Unicode 6.0 / RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). Bytes can be fed in arbitrary chunks; an invalid byte is reported by the
 * {@code validate} call that contains it (fail fast), even if it is the second byte of a sequence that
 * could never be completed (e.g. {@code F4 90}). ASCII runs are checked 8 bytes at a time
 * (the high-bit mask is byte-order independent).
 */
public final class Utf8Validator {
    private static final long HIGH_BITS = 0x8080808080808080L;

    /** Remaining continuation bytes expected; -1 once invalid. */
    private int need;
    /** Bounds for the next continuation byte (unsigned). */
    private int lo = 0x80;
    private int hi = 0xBF;

    /** Forget all state (start of a new message). */
    public void reset() {
        need = 0;
        lo = 0x80;
        hi = 0xBF;
    }

    /** True if nothing invalid was seen so far. */
    public boolean isValidSoFar() {
        return need >= 0;
    }

    /** True if everything fed so far is valid and ends on a code point boundary. */
    public boolean isComplete() {
        return need == 0;
    }

    /** Validates {@code buf[from, to)} (absolute indices; position/limit untouched). Returns false if invalid. */
    public boolean validate(ByteBuffer buf, int from, int to) {
        if (need < 0) {
            return false;
        }
        int i = from;
        while (i < to) {
            if (need == 0) {
                // ASCII fast path, 8 bytes at a time
                while (i + 8 <= to && (buf.getLong(i) & HIGH_BITS) == 0) {
                    i += 8;
                }
                if (i >= to) {
                    break;
                }
            }
            if (!step(buf.get(i) & 0xFF)) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** Validates {@code a[from, to)}. Returns false if invalid. */
    public boolean validate(byte[] a, int from, int to) {
        if (need < 0) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int b = a[i] & 0xFF;
            if (need == 0 && b < 0x80) {
                continue;
            }
            if (!step(b)) {
                return false;
            }
        }
        return true;
    }

    /** Validates the remaining bytes of {@code buf} without moving its position. */
    public boolean validate(ByteBuffer buf) {
        return validate(buf, buf.position(), buf.limit());
    }

    private boolean step(int b) {
        if (need == 0) {
            if (b < 0x80) {
                return true;
            } else if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b == 0xE0) {
                need = 2;
                lo = 0xA0;
            } else if (b == 0xED) {
                need = 2;
                hi = 0x9F;
            } else if (b >= 0xE1 && b <= 0xEF) {
                need = 2;
            } else if (b == 0xF0) {
                need = 3;
                lo = 0x90;
            } else if (b >= 0xF1 && b <= 0xF3) {
                need = 3;
            } else if (b == 0xF4) {
                need = 3;
                hi = 0x8F;
            } else {
                need = -1;
                return false;
            }
            return true;
        }
        if (b < lo || b > hi) {
            need = -1;
            return false;
        }
        need--;
        lo = 0x80;
        hi = 0xBF;
        return true;
    }

    /** One-shot check of a whole buffer's remaining bytes. */
    public static boolean isValid(ByteBuffer buf) {
        Utf8Validator v = new Utf8Validator();
        return v.validate(buf) && v.isComplete();
    }

    /** One-shot check of a byte range. */
    public static boolean isValid(byte[] a, int from, int to) {
        Utf8Validator v = new Utf8Validator();
        return v.validate(a, from, to) && v.isComplete();
    }
}
