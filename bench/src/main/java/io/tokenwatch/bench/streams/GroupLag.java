package io.tokenwatch.bench.streams;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.topic.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a Streams app has got on {@code tokenwatch.token-used}: the offsets its consumer group
 * committed (under exactly-once, what its transactions made final) and the topic's end offsets.
 */
public final class GroupLag {

  private final Admin admin;
  private final String group;

  /**
   * @param admin an admin client of the cluster
   * @param group the app's application id
   */
  public GroupLag(Admin admin, String group) {
    this.admin = requireNonNull(admin, "admin");
    this.group = requireNonNull(group, "group");
  }

  /** The sum of the group's committed offsets on the token-used topic. */
  public long committed() throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    long sum = 0;
    for (var entry : offsets.entrySet()) {
      if (entry.getKey().topic().equals(Topics.TOKEN_USED.name()) && entry.getValue() != null) {
        sum += entry.getValue().offset();
      }
    }
    return sum;
  }

  /** The sum of the token-used topic's end offsets. */
  public long end() throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < Topics.TOKEN_USED.spec().partitions(); p++) {
      request.put(new TopicPartition(Topics.TOKEN_USED.name(), p), OffsetSpec.latest());
    }
    long sum = 0;
    for (var info : admin.listOffsets(request).all().get().values()) {
      sum += info.offset();
    }
    return sum;
  }
}
