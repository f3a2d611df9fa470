package io.keel.websocket.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Incremental, allocation-free UTF-8 validator (Unicode 6.0 / RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). Bytes can be fed in arbitrary chunks; an invalid byte is reported by the
 * {@code validate} call that contains it (fail fast), even if it is the second byte of a sequence that
 * could never be completed (e.g. {@code F4 90}).
 *
 * <p>How it is fast (this runs over every text message):
 * <ul>
 *   <li>The main loop keeps no state at all: it only looks at <em>whole</em> code points starting more than 3
 *       bytes before {@code to} (so it needs no length checks). A code point left open by the previous call and the
 *       last &lt; 4 bytes of a call go through the byte-at-a-time {@link #step} state machine, whose state lives in
 *       the fields.</li>
 *   <li>ASCII is skipped 8 bytes at a time (32 in long runs): a {@code long} is read and its high bits tested; on a
 *       miss, the index of the first non-ASCII byte comes from the mask's trailing (little-endian) or leading
 *       (big-endian) zero count, so no byte-wise rescan.</li>
 *   <li>Heap buffers are validated on their backing {@code byte[]} (a {@code long} view {@link VarHandle} for the
 *       ASCII skip); direct buffers (the TCP read path) with absolute {@code getLong(i)}/{@code get(i)}, same loop.</li>
 *   <li>Lead bytes are classified with range checks; continuation bytes are checked as signed bytes
 *       ({@code 0x80..0xBF} is {@code -128..-65}), with the narrower second-byte range of {@code E0 ED F0 F4}.</li>
 * </ul>
 */
public final class Utf8Validator {
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final VarHandle LONGS_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Largest continuation byte as a signed byte (0xBF); any signed byte above it is not a continuation. */
    private static final int CONT_MAX = (byte) 0xBF;

    // bytes, not ints: every WebSocket connection carries a validator, so its size is memory per connection
    /** Remaining continuation bytes expected; -1 once invalid. */
    private byte need;
    /** Bounds for the next continuation byte, as offsets from 0x80 (0x00 and 0x3F: any of 0x80..0xBF). */
    private byte lo = 0x00;
    private byte hi = 0x3F;

    /** Forget all state (start of a new message). */
    public void reset() {
        need = 0;
        lo = 0x00;
        hi = 0x3F;
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
        if (from >= to) {
            return true;
        }
        Objects.checkFromToIndex(from, to, buf.limit());
        if (buf.hasArray()) {
            int off = buf.arrayOffset();
            return validateArray(buf.array(), from + off, to + off);
        }
        return validateBuffer(buf, from, to);
    }

    /** Validates {@code a[from, to)}. Returns false if invalid. */
    public boolean validate(byte[] a, int from, int to) {
        if (need < 0) {
            return false;
        }
        if (from >= to) {
            return true;
        }
        Objects.checkFromToIndex(from, to, a.length);
        return validateArray(a, from, to);
    }

    /** Validates the remaining bytes of {@code buf} without moving its position. */
    public boolean validate(ByteBuffer buf) {
        return validate(buf, buf.position(), buf.limit());
    }

    /** {@code a[i, to)}, {@code need >= 0}, indices checked. */
    private boolean validateArray(byte[] a, int i, int to) {
        // finish a code point left open by the previous call
        while (need > 0) {
            if (i == to) {
                return true;
            }
            if (!step(a[i++] & 0xFF)) {
                return false;
            }
        }
        // leading ASCII words: all of a short ASCII message (the most common case) in the tightest loop
        while (i <= to - 8 && ((long) LONGS_LE.get(a, i) & HIGH_BITS) == 0) {
            i += 8;
        }
        if (i == to) {
            return true;
        }
        // whole code points; i < end: a 4-byte sequence starting at i is inside the range, no length checks needed
        int end = to - 3;
        while (i < end) {
            int b = a[i];
            if (b >= 0) {
                // ASCII: a single one (e.g. between multi-byte characters) costs one more byte test; a run is skipped
                // a word at a time, stopping exactly on the first non-ASCII byte
                if (a[i + 1] < 0 || i > to - 8) {
                    i++;
                    continue;
                }
                long m = (long) LONGS_LE.get(a, i) & HIGH_BITS;
                if (m == 0) {
                    i += 8;
                    while (i <= to - 32 && (((long) LONGS_LE.get(a, i) | (long) LONGS_LE.get(a, i + 8)
                            | (long) LONGS_LE.get(a, i + 16) | (long) LONGS_LE.get(a, i + 24)) & HIGH_BITS) == 0) {
                        i += 32;
                    }
                    while (i <= to - 8 && (m = (long) LONGS_LE.get(a, i) & HIGH_BITS) == 0) {
                        i += 8;
                    }
                    if (i > to - 8) {
                        continue;
                    }
                }
                // m != 0 is the word at i; a[i] is ASCII, so this advances by 1..7
                i += Long.numberOfTrailingZeros(m) >>> 3;
            } else if (b < (byte) 0xE0) {
                // 2 bytes: C2..DF 80..BF
                if (b < (byte) 0xC2 || a[i + 1] > CONT_MAX) {
                    return fail(); // C0/C1 (overlong) or 80..BF (no lead); or a bad continuation
                }
                i += 2;
            } else if (b < (byte) 0xF0) {
                // 3 bytes: E0 A0..BF | E1..EC 80..BF | ED 80..9F (no surrogates) | EE..EF 80..BF; then 80..BF
                int c1 = a[i + 1];
                if (c1 < (b == (byte) 0xE0 ? (byte) 0xA0 : (byte) 0x80)
                        || c1 > (b == (byte) 0xED ? (byte) 0x9F : CONT_MAX)
                        || a[i + 2] > CONT_MAX) {
                    return fail();
                }
                i += 3;
            } else {
                // 4 bytes: F0 90..BF | F1..F3 80..BF | F4 80..8F (<= U+10FFFF); then 2 × 80..BF
                int c1 = a[i + 1];
                if (b > (byte) 0xF4
                        || c1 < (b == (byte) 0xF0 ? (byte) 0x90 : (byte) 0x80)
                        || c1 > (b == (byte) 0xF4 ? (byte) 0x8F : CONT_MAX)
                        || a[i + 2] > CONT_MAX || a[i + 3] > CONT_MAX) {
                    return fail();
                }
                i += 4;
            }
        }
        // the last < 4 bytes (possibly a code point cut by the end of the range) through the state machine
        while (i < to) {
            if (!step(a[i++] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** Same loop as {@link #validateArray} with absolute {@code get}/{@code getLong} (direct or read-only buffers). */
    private boolean validateBuffer(ByteBuffer buf, int i, int to) {
        while (need > 0) {
            if (i == to) {
                return true;
            }
            if (!step(buf.get(i++) & 0xFF)) {
                return false;
            }
        }
        while (i <= to - 8 && (buf.getLong(i) & HIGH_BITS) == 0) {
            i += 8;
        }
        if (i == to) {
            return true;
        }
        boolean littleEndian = buf.order() == ByteOrder.LITTLE_ENDIAN;
        int end = to - 3;
        while (i < end) {
            int b = buf.get(i);
            if (b >= 0) {
                if (buf.get(i + 1) < 0 || i > to - 8) {
                    i++;
                    continue;
                }
                long m = buf.getLong(i) & HIGH_BITS;
                if (m == 0) {
                    i += 8;
                    while (i <= to - 32 && ((buf.getLong(i) | buf.getLong(i + 8) | buf.getLong(i + 16)
                            | buf.getLong(i + 24)) & HIGH_BITS) == 0) {
                        i += 32;
                    }
                    while (i <= to - 8 && (m = buf.getLong(i) & HIGH_BITS) == 0) {
                        i += 8;
                    }
                    if (i > to - 8) {
                        continue;
                    }
                }
                // the first byte in memory is the low byte (LE) or the high byte (BE) of the long
                i += (littleEndian ? Long.numberOfTrailingZeros(m) : Long.numberOfLeadingZeros(m)) >>> 3;
            } else if (b < (byte) 0xE0) {
                if (b < (byte) 0xC2 || buf.get(i + 1) > CONT_MAX) {
                    return fail();
                }
                i += 2;
            } else if (b < (byte) 0xF0) {
                int c1 = buf.get(i + 1);
                if (c1 < (b == (byte) 0xE0 ? (byte) 0xA0 : (byte) 0x80)
                        || c1 > (b == (byte) 0xED ? (byte) 0x9F : CONT_MAX)
                        || buf.get(i + 2) > CONT_MAX) {
                    return fail();
                }
                i += 3;
            } else {
                int c1 = buf.get(i + 1);
                if (b > (byte) 0xF4
                        || c1 < (b == (byte) 0xF0 ? (byte) 0x90 : (byte) 0x80)
                        || c1 > (b == (byte) 0xF4 ? (byte) 0x8F : CONT_MAX)
                        || buf.get(i + 2) > CONT_MAX || buf.get(i + 3) > CONT_MAX) {
                    return fail();
                }
                i += 4;
            }
        }
        while (i < to) {
            if (!step(buf.get(i++) & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private boolean fail() {
        need = -1;
        return false;
    }

    /**
     * One byte through the state machine (fields {@code need}/{@code lo}/{@code hi}); only used for code points that
     * straddle a call boundary.
     */
    private boolean step(int b) {
        if (need == 0) {
            if (b < 0x80) {
                return true;
            } else if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b == 0xE0) {
                need = 2;
                lo = 0x20; // 0xA0
            } else if (b == 0xED) {
                need = 2;
                hi = 0x1F; // 0x9F
            } else if (b >= 0xE1 && b <= 0xEF) {
                need = 2;
            } else if (b == 0xF0) {
                need = 3;
                lo = 0x10; // 0x90
            } else if (b >= 0xF1 && b <= 0xF3) {
                need = 3;
            } else if (b == 0xF4) {
                need = 3;
                hi = 0x0F; // 0x8F
            } else {
                need = -1;
                return false;
            }
            return true;
        }
        if (b < 0x80 + lo || b > 0x80 + hi) {
            need = -1;
            return false;
        }
        need--;
        lo = 0x00;
        hi = 0x3F;
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
