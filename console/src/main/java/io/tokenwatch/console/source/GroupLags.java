package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Reads consumer groups' lag with an admin client: committed offsets against the end offsets of the
 * same partitions, as {@code kafka-consumer-groups --describe} does. A group with no committed
 * offset is {@link GroupLag.Unknown}, not a lag of 0: a detector that never started is not caught
 * up. Thread-safe.
 */
public final class GroupLags implements AutoCloseable {

  private final Admin admin;
  private final Duration timeout;

  /**
   * @param kafka the Kafka client settings (brokers, security)
   * @param timeout how long one lookup may take
   */
  public GroupLags(Map<String, Object> kafka, Duration timeout) {
    requireNonNull(kafka, "kafka");
    this.timeout = requireNonNull(timeout, "timeout");
    Map<String, Object> config = new HashMap<>(kafka);
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "tokenwatch-console-lags");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    this.admin = Admin.create(config);
  }

  /** The lag of {@code group} now. */
  public GroupLag of(String group) {
    requireNonNull(group, "group");
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> positions = new HashMap<>();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      committed.forEach(
          (partition, offset) -> {
            if (offset != null) {
              positions.put(partition, offset.offset());
              latest.put(partition, OffsetSpec.latest());
            }
          });
      if (latest.isEmpty()) {
        return new GroupLag.Unknown(group, "no committed offsets: the group does not exist yet");
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<String, Long> perTopic = new HashMap<>();
      long total = 0;
      for (Map.Entry<TopicPartition, Long> position : positions.entrySet()) {
        TopicPartition partition = position.getKey();
        ListOffsetsResult.ListOffsetsResultInfo end = ends.get(partition);
        if (end == null) {
          return new GroupLag.Unknown(group, "no end offset for " + partition);
        }
        long lag = Math.max(0, end.offset() - position.getValue());
        perTopic.merge(partition.topic(), lag, Long::sum);
        total += lag;
      }
      return new GroupLag.Known(group, total, perTopic);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return new GroupLag.Unknown(group, "the group does not exist");
      }
      return new GroupLag.Unknown(group, "Kafka did not answer: " + e.getCause());
    } catch (TimeoutException e) {
      return new GroupLag.Unknown(
          group, "Kafka did not answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new GroupLag.Unknown(group, "interrupted");
    }
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(1));
  }
}
