package io.tokenwatch.schemas.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.metrics.Sensor.RecordingLevel;
import org.junit.jupiter.api.Test;

class StreamsMetricsLevelTest {

  @Test
  void shouldKeepOnlyWhatKafkaRecordsAtInfo() {
    assertThat(
            StreamsMetricsLevel.recordedAtInfo("kafka.stream.state.num.entries.active.mem.table"))
        .isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.state.num.open.iterators"))
        .isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.state.put.rate")).isFalse();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.state.record.e2e.latency.max"))
        .isFalse();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.state.memtable.hit.ratio"))
        .isFalse();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.record.cache.hit.ratio.avg"))
        .isFalse();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.processor.node.process.rate"))
        .isFalse();
    assertThat(
            StreamsMetricsLevel.recordedAtInfo(
                "kafka.stream.processor.node.record.e2e.latency.avg"))
        .isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.task.process.latency.avg"))
        .isFalse();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.task.dropped.records.total"))
        .isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.stream.thread.poll.rate")).isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("kafka.consumer.fetch.manager.records.lag"))
        .isTrue();
    assertThat(StreamsMetricsLevel.recordedAtInfo("tokenwatch.revocation.store.entries")).isTrue();
  }

  @Test
  void shouldReadTheLevelInAnyCaseAndDefaultToInfo() {
    assertThat(StreamsMetricsLevel.parse(null)).isEqualTo(RecordingLevel.INFO);
    assertThat(StreamsMetricsLevel.parse("debug")).isEqualTo(RecordingLevel.DEBUG);
    assertThat(StreamsMetricsLevel.parse(" TRACE ")).isEqualTo(RecordingLevel.TRACE);
    assertThatThrownBy(() -> StreamsMetricsLevel.parse("verbose"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
