package io.tokenwatch.audit.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jspecify.annotations.Nullable;

/**
 * The topic a replay writes to, created when it does not exist: no broker should be trusted to
 * auto-create it (the embedded one does not, and production clusters should not).
 *
 * <p>A created topic has {@link #PARTITIONS one partition}, so a reader sees the records in exactly
 * the order the replay wrote them, the cluster's default replication factor, and {@code
 * retention.ms=-1}: a replay stamps each record with the time its event first occurred, and
 * time-based retention would delete records with such old timestamps at once. Delete the topic when
 * the investigation is over.
 */
public final class ReplayTopic {

  /** Partitions of a created replay topic. */
  public static final int PARTITIONS = 1;

  /** Topic configuration of a created replay topic. */
  public static final Map<String, String> CONFIG = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

  private ReplayTopic() {}

  /** What {@link #ensure} found or did. */
  public sealed interface Outcome permits Created, Existing {
    /** The topic. */
    String topic();

    /** A few words for the replay's summary line. */
    String describe();
  }

  /** The topic was created with {@link #PARTITIONS} partitions and {@link #CONFIG}. */
  public record Created(String topic) implements Outcome {
    public Created {
      requireNonNull(topic, "topic");
    }

    @Override
    public String describe() {
      return "created: " + PARTITIONS + " partition, retention.ms=-1";
    }
  }

  /**
   * The topic existed and is used as it is.
   *
   * @param partitions its partitions, or -1 when they could not be described
   * @param retentionMs its {@code retention.ms}, when it could be read
   */
  public record Existing(String topic, int partitions, @Nullable String retentionMs)
      implements Outcome {
    public Existing {
      requireNonNull(topic, "topic");
    }

    @Override
    public String describe() {
      String text = "existing topic";
      if (partitions > 0) {
        text += ", " + partitions + (partitions == 1 ? " partition" : " partitions");
      }
      if (retentionMs != null && !retentionMs.equals("-1")) {
        text +=
            ", retention.ms="
                + retentionMs
                + ": records older than that are deleted by the broker's retention";
      }
      return text;
    }
  }

  /**
   * Creates {@code topic} unless it exists.
   *
   * @param admin an admin client whose {@code default.api.timeout.ms} bounds every call
   * @throws IllegalArgumentException if {@code topic} is one of the catalogue's (a replay must not
   *     feed the live pipeline) or not a valid topic name
   * @throws ReplayFailure if the cluster refused to create it (no permission, a topic policy) or
   *     did not answer in time
   */
  public static Outcome ensure(Admin admin, String topic) {
    requireNonNull(admin, "admin");
    requireNonNull(topic, "topic");
    if (topic.isBlank() || Topics.byName(topic).isPresent()) {
      throw new IllegalArgumentException(
          "replay must go to a new topic, not one of the catalogue's (" + topic + ")");
    }
    NewTopic wanted =
        new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()).configs(CONFIG);
    try {
      admin.createTopics(List.of(wanted)).all().get();
      return new Created(topic);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof TopicExistsException) {
        return existing(admin, topic);
      }
      if (cause instanceof TopicAuthorizationException
          || cause instanceof ClusterAuthorizationException) {
        // may exist all the same, and writable: a principal allowed to write but not to create
        Existing found = existingOrNull(admin, topic);
        if (found != null) {
          return found;
        }
        throw new ReplayFailure(
            "not allowed to create topic "
                + topic
                + " ("
                + cause.getMessage()
                + "): create it with retention.ms=-1, or get CREATE on it, and replay again",
            cause);
      }
      if (cause instanceof PolicyViolationException) {
        throw new ReplayFailure(
            "the cluster refused to create topic " + topic + ": " + cause.getMessage(), cause);
      }
      if (cause instanceof InvalidTopicException) {
        throw new IllegalArgumentException(
            "--to-topic " + topic + " is not a valid topic name: " + cause.getMessage(), cause);
      }
      if (cause instanceof TimeoutException) {
        throw new ReplayFailure(
            "Kafka did not answer in time while creating topic "
                + topic
                + ": "
                + cause.getMessage(),
            cause);
      }
      throw new ReplayFailure("cannot create topic " + topic + ": " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayFailure("interrupted while creating topic " + topic, e);
    }
  }

  private static Existing existing(Admin admin, String topic) {
    Existing found = existingOrNull(admin, topic);
    return found != null ? found : new Existing(topic, -1, null);
  }

  private static @Nullable Existing existingOrNull(Admin admin, String topic) {
    int partitions;
    try {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      partitions = description == null ? -1 : description.partitions().size();
    } catch (ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayFailure("interrupted while describing topic " + topic, e);
    }
    String retention = null;
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      ConfigEntry entry = config == null ? null : config.get(TopicConfig.RETENTION_MS_CONFIG);
      retention = entry == null ? null : entry.value();
    } catch (ExecutionException e) {
      // reading configs may need another permission; the retention stays unknown
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayFailure("interrupted while describing topic " + topic, e);
    }
    return new Existing(topic, partitions, retention);
  }
}
