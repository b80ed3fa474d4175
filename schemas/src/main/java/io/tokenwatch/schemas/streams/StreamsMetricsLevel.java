package io.tokenwatch.schemas.streams;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;

/**
 * Which Kafka Streams metrics a service exports at a {@code metrics.recording.level}.
 *
 * <p>Kafka Streams registers the metrics of every sensor whatever the level, and only skips
 * recording those above it: at {@code INFO} the state-store operation metrics, the RocksDB
 * statistics, the record-cache metrics and most processor-node and task metrics exist but never
 * change. Micrometer's {@code KafkaStreamsMetrics} binds them all, which made each Streams service
 * export 3.7k-6.3k series, mostly constant. At {@code INFO} this filter drops the metrics Kafka
 * documents as {@code DEBUG} or {@code TRACE} ("Monitoring Kafka Streams" in the Kafka
 * documentation): what remains is what is recorded. At {@code DEBUG} and {@code TRACE} everything
 * passes.
 */
public final class StreamsMetricsLevel {

  /** Micrometer's names for the Kafka groups: {@code kafka.<group without -metrics>.}. */
  private static final String STATE = "kafka.stream.state.";

  private static final String PROCESSOR_NODE = "kafka.stream.processor.node.";
  private static final String RECORD_CACHE = "kafka.stream.record.cache.";
  private static final String TASK = "kafka.stream.task.";

  /**
   * State-store metrics recorded at {@code INFO}: RocksDB's property-based metrics and the open
   * iterator metrics (KIP-607, KIP-989). Every other state-store metric is {@code DEBUG} (store
   * operations, RocksDB statistics) or {@code TRACE} (end-to-end latency at the store).
   */
  private static final Set<String> STATE_AT_INFO =
      Set.of(
          "num.immutable.mem.table",
          "cur.size.active.mem.table",
          "cur.size.all.mem.tables",
          "size.all.mem.tables",
          "num.entries.active.mem.table",
          "num.entries.imm.mem.tables",
          "num.deletes.active.mem.table",
          "num.deletes.imm.mem.tables",
          "mem.table.flush.pending",
          "num.running.flushes",
          "compaction.pending",
          "num.running.compactions",
          "estimate.pending.compaction.bytes",
          "total.sst.files.size",
          "live.sst.files.size",
          "num.live.versions",
          "block.cache.capacity",
          "block.cache.usage",
          "block.cache.pinned.usage",
          "estimate.num.keys",
          "estimate.table.readers.mem",
          "background.errors",
          "num.open.iterators",
          "iterator.duration.avg",
          "iterator.duration.max",
          "oldest.iterator.open.since.ms");

  /** Task metrics recorded at {@code DEBUG}, by name prefix. */
  private static final Set<String> TASK_AT_DEBUG =
      Set.of("process.", "punctuate.", "enforced.processing.", "record.lateness.", "commit.");

  private StreamsMetricsLevel() {}

  /**
   * The recording level a Kafka Streams property value names ({@code INFO}, {@code DEBUG}, {@code
   * TRACE}, any case); {@code INFO} when {@code value} is null, like Kafka's default.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static RecordingLevel parse(@org.jspecify.annotations.Nullable String value) {
    if (value == null) {
      return RecordingLevel.INFO;
    }
    return RecordingLevel.forName(value.strip().toUpperCase(Locale.ROOT));
  }

  /** A filter that denies the Streams meters Kafka does not record at {@code level}. */
  public static MeterFilter filter(RecordingLevel level) {
    requireNonNull(level, "level");
    return new MeterFilter() {
      @Override
      public MeterFilterReply accept(Meter.Id id) {
        return level == RecordingLevel.INFO && !recordedAtInfo(id.getName())
            ? MeterFilterReply.DENY
            : MeterFilterReply.NEUTRAL;
      }
    };
  }

  /** Whether Kafka Streams records the metric Micrometer names {@code name} at {@code INFO}. */
  static boolean recordedAtInfo(String name) {
    if (name.startsWith(STATE)) {
      return STATE_AT_INFO.contains(name.substring(STATE.length()));
    }
    if (name.startsWith(RECORD_CACHE)) {
      return false;
    }
    if (name.startsWith(PROCESSOR_NODE)) {
      // only the end-to-end latency of source and terminal nodes is INFO
      return name.startsWith(PROCESSOR_NODE + "record.e2e.latency.");
    }
    if (name.startsWith(TASK)) {
      String metric = name.substring(TASK.length());
      return TASK_AT_DEBUG.stream().noneMatch(metric::startsWith);
    }
    return true;
  }
}
