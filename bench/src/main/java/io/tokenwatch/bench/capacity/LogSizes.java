package io.tokenwatch.bench.capacity;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * Bytes of each topic's partition logs on the brokers' disks, as the brokers report them ({@code
 * Admin.describeLogDirs}): the segments' sizes summed over every replica of every partition.
 */
final class LogSizes {

  private LogSizes() {}

  /** Bytes per topic, over every topic {@code wanted} accepts. */
  static Map<String, Long> of(Admin admin, Predicate<String> wanted)
      throws ExecutionException, InterruptedException {
    Collection<Node> nodes = admin.describeCluster().nodes().get();
    Map<String, Long> bytes = new TreeMap<>();
    var descriptions =
        admin.describeLogDirs(nodes.stream().map(Node::id).toList()).allDescriptions().get();
    for (Map<String, LogDirDescription> byDir : descriptions.values()) {
      for (LogDirDescription dir : byDir.values()) {
        for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
          String topic = replica.getKey().topic();
          if (wanted.test(topic)) {
            bytes.merge(topic, replica.getValue().size(), Long::sum);
          }
        }
      }
    }
    return bytes;
  }

  /** Bytes of one topic. */
  static long of(Admin admin, String topic) throws ExecutionException, InterruptedException {
    return of(admin, topic::equals).getOrDefault(topic, 0L);
  }
}
