package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void chunksAreRecycledSoTheSteadyStateAllocatesNothing() {
        BufferPool pool = new BufferPool(4);
        for (int i = 0; i < 1000; i++) {
            ByteBuffer b = pool.acquire(100);
            assertThat(b.isDirect()).isTrue();
            assertThat(b.remaining()).isEqualTo(BufferPool.CHUNK_SIZE);
            pool.release(b);
        }
        assertThat(pool.allocatedChunks()).isEqualTo(1);
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void largeRequestsGetAHeapBufferThatIsNotKept() {
        BufferPool pool = new BufferPool(4);
        ByteBuffer big = pool.acquire(100_000);
        assertThat(big.capacity()).isEqualTo(131072);
        assertThat(pool.outstanding()).isEqualTo(1);
        pool.release(big);
        assertThat(pool.outstanding()).isZero();
        assertThat(pool.freeChunks()).isZero();
    }

    @Test
    void theFreeListIsBounded() {
        BufferPool pool = new BufferPool(2);
        ByteBuffer[] bs = {pool.acquire(1), pool.acquire(1), pool.acquire(1)};
        for (ByteBuffer b : bs) {
            pool.release(b);
        }
        assertThat(pool.freeChunks()).isEqualTo(2);
    }

    @Test
    void leakCheckModeRemembersWhereLeakedBuffersWereTakenAndRefusesDoubleRelease() {
        assumeTrue(BufferPool.LEAK_CHECK, "leak-check mode is on in the test suite");
        BufferPool pool = new BufferPool(2);
        ByteBuffer b = pool.acquire(1);
        assertThat(pool.leakSites()).hasSize(1);
        assertThat(pool.leakSites().iterator().next().getStackTrace()[1].getMethodName())
            .isEqualTo("leakCheckModeRemembersWhereLeakedBuffersWereTakenAndRefusesDoubleRelease");
        pool.release(b);
        assertThatThrownBy(() -> pool.release(b)).isInstanceOf(IllegalStateException.class);
    }
}
