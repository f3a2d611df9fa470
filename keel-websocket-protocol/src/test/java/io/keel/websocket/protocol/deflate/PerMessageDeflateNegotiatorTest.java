package io.keel.websocket.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7692 sections 5 and 7.1: the server's answer to permessage-deflate offers, sans-I/O. */
class PerMessageDeflateNegotiatorTest {
    private static final String SHARED = DeflateAgreement.SHARED.response();

    private static PerMessageDeflateNegotiator negotiator(DeflateMode mode, long budget) {
        return new PerMessageDeflateNegotiator(new PerMessageDeflateConfig(mode, 256, budget),
            new DeflateMemoryBudget(budget), new DeflateStats());
    }

    private static DeflateAgreement shared(String... headers) {
        return negotiator(DeflateMode.SHARED, 0).negotiate(List.of(headers));
    }

    private static DeflateAgreement dedicated(String... headers) {
        return negotiator(DeflateMode.DEDICATED, 1L << 30).negotiate(List.of(headers));
    }

    @Nested
    @DisplayName("RFC 7692 §7.1 parameters")
    class Parameters {
        @ParameterizedTest
        @ValueSource(strings = {
            "permessage-deflate",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=8",
            "permessage-deflate; client_max_window_bits=15",
            "permessage-deflate; client_max_window_bits=\"10\"",
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate; client_no_context_takeover",
            "permessage-deflate; server_max_window_bits=15",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=9",
            "PerMessage-Deflate;Client_Max_Window_Bits",
            "permessage-deflate ;  client_max_window_bits = 12 ",
        })
        void acceptedOffersGetTheSharedAnswer(String offer) {
            assertThat(shared(offer)).isSameAs(DeflateAgreement.SHARED);
            assertThat(SHARED).isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "permessage-deflate; server_max_window_bits",          // a value is required
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=010",      // no leading zero (§7.1.2.1 ABNF)
            "permessage-deflate; client_max_window_bits=1a",
            "permessage-deflate; client_max_window_bits=",
            "permessage-deflate; server_no_context_takeover=1",    // no value allowed
            "permessage-deflate; client_no_context_takeover=true",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover", // repeated
            "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
            "permessage-deflate; server_max_window_bits=15; server_max_window_bits=15",
            "permessage-deflate; mystery_parameter",
            "permessage-deflate; client_max_window_bits=\"10",     // unterminated quoted-string
            "permessage-deflate; =10",
            "permessage-deflate x",
            "x-webkit-deflate-frame",
            "deflate-frame",
        })
        void invalidOrUnknownOffersAreDeclined(String offer) {
            assertThat(shared(offer)).isNull();
            assertThat(dedicated(offer)).isNull();
        }

        @ParameterizedTest
        @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14})
        void aServerWindowSmallerThanTheJdkCodecsIsDeclined(int bits) {
            // java.util.zip.Deflater has only a 15-bit window: never accept a window it cannot honour (§7.1.2.1)
            assertThat(shared("permessage-deflate; server_max_window_bits=" + bits)).isNull();
            assertThat(dedicated("permessage-deflate; server_max_window_bits=" + bits)).isNull();
            // ... but the next offer, which allows 15 bits, is taken
            assertThat(shared("permessage-deflate; server_max_window_bits=" + bits + ", permessage-deflate"))
                .isSameAs(DeflateAgreement.SHARED);
        }

        @Test
        void offModeDeclinesEverything() {
            assertThat(negotiator(DeflateMode.OFF, 1L << 30).negotiate(List.of("permessage-deflate"))).isNull();
            assertThat(shared()).isNull();
        }
    }

    @Nested
    @DisplayName("RFC 7692 §5 several offers")
    class SeveralOffers {
        @Test
        void theFirstAcceptableOfferInOneHeaderWins() {
            DeflateAgreement a = dedicated("foo; bar=1, permessage-deflate; server_max_window_bits=10, "
                + "permessage-deflate; client_no_context_takeover, permessage-deflate");
            assertThat(a.response()).isEqualTo("permessage-deflate; client_no_context_takeover");
        }

        @Test
        void offersSpanSeveralHeaderLinesInOrder() {
            DeflateAgreement a = dedicated("permessage-deflate; bogus", "permessage-deflate; server_no_context_takeover",
                "permessage-deflate");
            assertThat(a.response()).isEqualTo("permessage-deflate; server_no_context_takeover");
            assertThat(a.serverNoContextTakeover()).isTrue();
        }

        @Test
        void aMalformedElementDoesNotSpoilTheNext() {
            assertThat(shared("permessage-deflate; a=\"x,y\" junk, permessage-deflate")).isSameAs(DeflateAgreement.SHARED);
            assertThat(shared(", ,permessage-deflate,")).isSameAs(DeflateAgreement.SHARED);
        }

        @Test
        void quotedValuesAreUnquoted() {
            List<ExtensionOffer> o = ExtensionOffer.parse(List.of("a; b=\"x\\\"y\"; c=1, d"));
            assertThat(o).hasSize(2);
            assertThat(o.get(0).params()).containsExactly(new ExtensionOffer.Param("b", "x\"y"),
                new ExtensionOffer.Param("c", "1"));
            assertThat(o.get(1).name()).isEqualTo("d");
        }
    }

    @Nested
    @DisplayName("modes and the dedicated memory budget")
    class Modes {
        @Test
        void dedicatedKeepsContextUnlessTheClientAsksOtherwise() {
            DeflateAgreement a = dedicated("permessage-deflate; client_max_window_bits");
            assertThat(a.dedicated()).isTrue();
            assertThat(a.serverNoContextTakeover()).isFalse();
            assertThat(a.clientNoContextTakeover()).isFalse();
            assertThat(a.response()).isEqualTo("permessage-deflate"); // §7.1.2.2: nothing the client did not ask
        }

        @Test
        void pastTheBudgetConnectionsGetShared() {
            DeflateStats stats = new DeflateStats();
            DeflateMemoryBudget budget = new DeflateMemoryBudget(2 * DeflateMemoryBudget.BYTES_PER_CONNECTION);
            PerMessageDeflateNegotiator n = new PerMessageDeflateNegotiator(
                PerMessageDeflateConfig.of(DeflateMode.DEDICATED), budget, stats);
            assertThat(n.negotiate(List.of("permessage-deflate")).dedicated()).isTrue();
            assertThat(n.negotiate(List.of("permessage-deflate")).dedicated()).isTrue();
            assertThat(n.negotiate(List.of("permessage-deflate"))).isSameAs(DeflateAgreement.SHARED);
            assertThat(budget.reservedBytes()).isEqualTo(2 * DeflateMemoryBudget.BYTES_PER_CONNECTION);
            budget.release();
            assertThat(n.negotiate(List.of("permessage-deflate")).dedicated()).isTrue();
            assertThat(stats.dedicatedNegotiated()).isEqualTo(3);
            assertThat(stats.sharedNegotiated()).isEqualTo(1);
        }

        @Test
        void zlibsMemoryFormula() {
            // zconf.h: deflate (1 << (wb + 2)) + (1 << (ml + 9)), inflate 1 << wb, plus about 7 KiB state each
            assertThat(DeflateMemoryBudget.zlibBytes(15, 8)).isEqualTo(131072 + 131072 + 32768 + 2 * 7168);
            assertThat(DeflateMemoryBudget.zlibBytes(9, 1)).isEqualTo(2048 + 1024 + 512 + 2 * 7168);
        }

        @Test
        void badSettingsAreRefusedClearly() {
            assertThatThrownBy(() -> new PerMessageDeflateConfig(DeflateMode.SHARED, -1, 0))
                .hasMessageContaining("threshold must be >= 0");
            assertThatThrownBy(() -> new PerMessageDeflateConfig(DeflateMode.SHARED, 0, -5))
                .hasMessageContaining("memory budget must be >= 0");
            assertThatThrownBy(() -> new PerMessageDeflateConfig(null, 0, 0)).isInstanceOf(NullPointerException.class);
        }
    }
}
