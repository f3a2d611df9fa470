package io.keel.echo;

import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.DeflateStats;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import java.util.Locale;

/** permessage-deflate in {@code keel-echo}: its settings from the options, its counters for {@code /metrics}. */
final class DeflateMetrics {
    private DeflateMetrics() {
    }

    /** {@code --compression} and {@code --compression-threshold} (null: the default) as the layer's setting. */
    static PerMessageDeflateConfig config(String mode, Integer threshold) {
        return new PerMessageDeflateConfig(DeflateMode.valueOf(mode.toUpperCase(Locale.ROOT)),
            threshold == null ? PerMessageDeflateConfig.DEFAULT_THRESHOLD : threshold,
            PerMessageDeflateConfig.DEFAULT_MEMORY_BUDGET);
    }

    /** The compression counters in Prometheus' text format, after the other WebSocket counters. */
    static void append(StringBuilder m, DeflateStats d) {
        metric(m, "keel_websocket_compressed_bytes_received_total", "counter",
            "Payload bytes of compressed messages received, as on the wire.", d.compressedBytesIn());
        metric(m, "keel_websocket_uncompressed_bytes_received_total", "counter",
            "What the compressed messages received inflated to.", d.uncompressedBytesIn());
        metric(m, "keel_websocket_compressed_bytes_sent_total", "counter",
            "Payload bytes of the messages sent compressed, as on the wire.", d.compressedBytesOut());
        metric(m, "keel_websocket_uncompressed_bytes_sent_total", "counter",
            "Payload bytes of the messages sent compressed, before compression.", d.uncompressedBytesOut());
        metric(m, "keel_websocket_compression_negotiated_total{mode=\"shared\"}", "counter",
            "Upgrades that negotiated permessage-deflate, by mode.", d.sharedNegotiated());
        m.append("keel_websocket_compression_negotiated_total{mode=\"dedicated\"} ").append(d.dedicatedNegotiated())
            .append('\n');
        metric(m, "keel_websocket_compression_codecs", "gauge",
            "Per-connection compressors and decompressors alive (dedicated mode).", d.liveCodecs());
    }

    private static void metric(StringBuilder m, String name, String type, String help, long v) {
        String family = name.indexOf('{') < 0 ? name : name.substring(0, name.indexOf('{'));
        m.append("# HELP ").append(family).append(' ').append(help).append("\n# TYPE ").append(family).append(' ')
            .append(type).append('\n').append(name).append(' ').append(v).append('\n');
    }
}
