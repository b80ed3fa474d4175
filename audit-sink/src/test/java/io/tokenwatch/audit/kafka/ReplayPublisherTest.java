package io.tokenwatch.audit.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ReplayPublisherTest {

  private static ConsumerRecord<byte[], byte[]> read(long offset, String key, String value) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("origin", ("offset " + offset).getBytes(UTF_8));
    return new ConsumerRecord<>(
        "tokenwatch.token-used",
        0,
        offset,
        1_000 + offset,
        TimestampType.CREATE_TIME,
        key.length(),
        value.length(),
        key.getBytes(UTF_8),
        value.getBytes(UTF_8),
        headers,
        Optional.empty());
  }

  @Test
  void shouldRepublishKeyValueTimestampAndHeadersByteForByte() {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    ReplayPublisher publisher = new ReplayPublisher(producer, "replayed");

    publisher.copy(read(7, "t1", "v1"));
    publisher.copy(read(8, "t2", "v2"));

    assertThat(publisher.finish()).isEqualTo(2);
    ProducerRecord<byte[], byte[]> first = producer.history().get(0);
    assertThat(first.topic()).isEqualTo("replayed");
    assertThat(first.partition()).isNull();
    assertThat(first.timestamp()).isEqualTo(1_007L);
    assertThat(first.key()).isEqualTo("t1".getBytes(UTF_8));
    assertThat(first.value()).isEqualTo("v1".getBytes(UTF_8));
    assertThat(first.headers().lastHeader("origin").value()).isEqualTo("offset 7".getBytes(UTF_8));
  }

  @Test
  void shouldFailTheReplayWhenARecordWasNotWritten() {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    ReplayPublisher publisher = new ReplayPublisher(producer, "replayed");

    publisher.copy(read(7, "t1", "v1"));
    publisher.copy(read(8, "t2", "v2"));
    producer.completeNext();
    producer.errorNext(new IllegalStateException("not enough replicas"));

    assertThatThrownBy(publisher::finish)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("replay to replayed failed after 1 of 2 records")
        .hasMessageContaining("not enough replicas");
  }

  @Test
  void shouldStopSendingOnceARecordFailed() {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    ReplayPublisher publisher = new ReplayPublisher(producer, "replayed");
    publisher.copy(read(7, "t1", "v1"));
    producer.errorNext(new IllegalStateException("not enough replicas"));

    assertThatThrownBy(() -> publisher.copy(read(8, "t2", "v2")))
        .hasMessageContaining("failed after 0 of 1 records");
    assertThat(producer.history()).hasSize(1);
  }
}
