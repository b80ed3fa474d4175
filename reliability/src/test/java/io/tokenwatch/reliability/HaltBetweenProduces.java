package io.tokenwatch.reliability;

import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Stops an issuer between the two produces of a revocation, for a test that then kills its JVM:
 * once the file {@code <dir>/arm} exists, the next record sent to the fast path waits until the
 * revocation request sent before it is acknowledged, writes {@code <dir>/halted} and then never
 * returns, so the request is durable and the fast-path record is never sent. Set through the
 * issuer's {@code kafka.interceptor.classes} with {@code kafka.reliability.halt-dir}.
 *
 * <p>The issuer gives its {@code kafka.*} settings to every Kafka client it has, consumers among
 * them, so this is a consumer interceptor too, one that changes nothing.
 */
public final class HaltBetweenProduces
    implements ProducerInterceptor<Object, Object>, ConsumerInterceptor<Object, Object> {

  static final String DIR = "reliability.halt-dir";

  private final CountDownLatch requestAcknowledged = new CountDownLatch(1);
  private @Nullable Path dir;

  @Override
  public void configure(Map<String, ?> configs) {
    Object configured = configs.get(DIR);
    dir = configured == null ? null : Path.of(configured.toString());
  }

  private boolean armed() {
    Path at = dir;
    return at != null && Files.exists(at.resolve("arm")) && !Files.exists(at.resolve("halted"));
  }

  @Override
  public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
    Path at = dir;
    if (at != null && record.topic().equals(Topics.REVOCATION_FAST_PATH.name()) && armed()) {
      try {
        if (requestAcknowledged.await(30, TimeUnit.SECONDS)) {
          Files.writeString(at.resolve("halted"), "halted before the fast-path record\n");
          // Held here until the test kills the JVM: the fast-path record is never sent.
          new CountDownLatch(1).await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return record;
  }

  @Override
  public void onAcknowledgement(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
    if (metadata != null
        && exception == null
        && metadata.topic().equals(Topics.REVOCATION_REQUESTS.name())
        && armed()) {
      requestAcknowledged.countDown();
    }
  }

  @Override
  public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}
}
