package io.keel.websocket.protocol;

import static io.keel.websocket.protocol.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link MessageAssembler} alone: views, copies over several appends, buffer reuse and release, the size cap. */
class MessageAssemblerTest {
    /** Records each message's text and the buffer it came in. */
    static final class Messages implements FrameHandler {
        final List<String> texts = new ArrayList<>();
        final List<ByteBuffer> buffers = new ArrayList<>();

        @Override
        public void onMessage(boolean text, ByteBuffer payload) {
            texts.add((text ? "text:" : "binary:") + StandardCharsets.UTF_8.decode(payload.duplicate()));
            buffers.add(payload);
        }

        @Override
        public void onFragment(ByteBuffer chunk, boolean text, boolean first, boolean last) {
            throw new AssertionError("no fragments in accumulate mode");
        }

        @Override
        public void onPing(ByteBuffer payload) {
        }

        @Override
        public void onPong(ByteBuffer payload) {
        }

        @Override
        public void onCloseFrame(int code, ByteBuffer reason) {
        }

        @Override
        public void onDecodeError(int closeCode, String reason) {
        }
    }

    @Test
    @DisplayName("a view: the handler sees exactly the window; afterwards the limit is restored and the position is next")
    void deliverView() {
        ByteBuffer in = ByteBuffer.wrap(utf8("xxhelloyy"));
        Messages m = new Messages();
        MessageAssembler.deliverView(m, true, in, 2, 5, 8);
        assertThat(m.texts).containsExactly("text:hello");
        assertThat(m.buffers.get(0)).isSameAs(in);
        assertThat(in.limit()).isEqualTo(9);
        assertThat(in.position()).isEqualTo(8);
    }

    @Test
    @DisplayName("appends over several reads make one message; the buffer is kept for the next one")
    void appendsAndReuses() {
        MessageAssembler a = new MessageAssembler(1 << 20);
        assertThat(MessageAssembler.isEmpty(null)).isTrue();
        assertThat(MessageAssembler.isEmpty(a)).isTrue();
        Messages m = new Messages();
        ByteBuffer in = ByteBuffer.wrap(utf8("hel-lo"));
        a.begin();
        a.append(in, 0, 3);
        assertThat(MessageAssembler.isEmpty(a)).isFalse();
        a.append(in, 4, 2);
        assertThat(in.position()).as("the input is not moved").isZero();
        a.deliver(m, false);
        a.begin();
        a.append(ByteBuffer.wrap(utf8("next")), 0, 4);
        a.deliver(m, true);
        assertThat(m.texts).containsExactly("binary:hello", "text:next");
        assertThat(m.buffers.get(1)).as("kept for the next message").isSameAs(m.buffers.get(0));
        assertThat(m.buffers.get(0).capacity()).isEqualTo(MessageAssembler.INITIAL_CAPACITY);
    }

    @Test
    @DisplayName("begin() forgets the bytes of a message that never ended")
    void beginForgets() {
        MessageAssembler a = new MessageAssembler(1 << 20);
        a.append(ByteBuffer.wrap(utf8("stale")), 0, 5);
        a.begin();
        assertThat(MessageAssembler.isEmpty(a)).isTrue();
        a.append(ByteBuffer.wrap(utf8("fresh")), 0, 5);
        Messages m = new Messages();
        a.deliver(m, true);
        assertThat(m.texts).containsExactly("text:fresh");
    }

    @Test
    @DisplayName("a buffer that grew above 64 KiB is dropped after its message; the next starts small again")
    void releasesLargeBuffer() {
        MessageAssembler a = new MessageAssembler(1 << 20);
        byte[] big = new byte[MessageAssembler.RELEASE_ABOVE + 1];
        Messages m = new Messages();
        a.append(ByteBuffer.wrap(big), 0, big.length);
        a.deliver(m, false);
        assertThat(m.buffers.get(0).capacity()).isGreaterThan(MessageAssembler.RELEASE_ABOVE);
        a.begin();
        a.append(ByteBuffer.wrap(utf8("small")), 0, 5);
        a.deliver(m, true);
        assertThat(m.buffers.get(1)).isNotSameAs(m.buffers.get(0));
        assertThat(m.buffers.get(1).capacity()).isEqualTo(MessageAssembler.INITIAL_CAPACITY);
    }

    @Test
    @DisplayName("the buffer grows with the bytes that arrived and never past the message size limit")
    void growthCappedByLimit() {
        MessageAssembler a = new MessageAssembler(5000);
        Messages m = new Messages();
        byte[] part = new byte[3000];
        a.append(ByteBuffer.wrap(part), 0, part.length);
        a.append(ByteBuffer.wrap(part), 0, 2000);
        a.deliver(m, false);
        assertThat(m.buffers.get(0).capacity()).isEqualTo(5000);
        assertThat(m.buffers.get(0).remaining()).isEqualTo(5000);
    }
}
