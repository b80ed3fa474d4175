package io.tokenwatch.anomaly.app;

import io.tokenwatch.anomaly.kafka.AnomalyTopology.SourcePartitions;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/** The partitions of the inputs of the per-client rules, as the cluster has them. */
final class InputPartitions {

  private InputPartitions() {}

  /** Describes token-used, token-issued and issuance-denied. */
  static SourcePartitions describe(Admin admin, Duration timeout)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<String, TopicDescription> described =
        admin
            .describeTopics(
                List.of(
                    Topics.TOKEN_USED.name(),
                    Topics.TOKEN_ISSUED.name(),
                    Topics.ISSUANCE_DENIED.name()))
            .allTopicNames()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return new SourcePartitions(
        count(described, Topics.TOKEN_USED.name()),
        count(described, Topics.TOKEN_ISSUED.name()),
        count(described, Topics.ISSUANCE_DENIED.name()));
  }

  private static int count(Map<String, TopicDescription> described, String topic) {
    TopicDescription description = described.get(topic);
    if (description == null) {
      throw new IllegalStateException("topic " + topic + " is not described");
    }
    return description.partitions().size();
  }
}
