package io.tokenwatch.schemas.topic;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;

/**
 * How many copies of each catalogue topic a cluster keeps, and how many must have a write before it
 * is acknowledged to an {@code acks=all} producer.
 *
 * <p>Settable per environment with {@value #FACTOR} and {@value #MIN_INSYNC}. Unset, they follow
 * the cluster: 1 and 1 on one broker, 2 and 1 on two, 3 and 2 on three or more (a write survives
 * the loss of any one broker and is refused, not silently under-replicated, when two are lost).
 * Only {@value #FACTOR} set: {@value #MIN_INSYNC} is one less (at least 1).
 *
 * @param factor replicas per partition
 * @param minInsyncReplicas the topic's {@code min.insync.replicas}
 */
public record TopicReplication(int factor, int minInsyncReplicas) {

  /** The replication factor of topics the catalogue creates. */
  public static final String FACTOR = "topics.replication.factor";

  /** The {@code min.insync.replicas} of topics the catalogue creates. */
  public static final String MIN_INSYNC = "topics.min.insync.replicas";

  public TopicReplication {
    if (factor < 1) {
      throw new ConfigException(FACTOR, factor, "must be at least 1");
    }
    if (minInsyncReplicas < 1 || minInsyncReplicas > factor) {
      throw new ConfigException(
          MIN_INSYNC,
          minInsyncReplicas,
          "must be within 1.." + factor + " (the replication factor)");
    }
  }

  /** The defaults on a cluster of {@code brokers} brokers. */
  public static TopicReplication forBrokers(int brokers) {
    int factor = Math.max(1, Math.min(3, brokers));
    return new TopicReplication(factor, Math.max(1, factor - 1));
  }

  /**
   * The replication {@code settings} ask for on a cluster of {@code brokers} brokers: {@value
   * #FACTOR} and {@value #MIN_INSYNC} where given (numbers or numeric strings), the defaults of
   * {@link #forBrokers} otherwise.
   *
   * @throws ConfigException naming the key, when a value is not a number, out of range, or more
   *     replicas than the cluster has brokers
   */
  public static TopicReplication resolve(Map<?, ?> settings, int brokers) {
    requireNonNull(settings, "settings");
    Integer factor = number(settings, FACTOR);
    Integer minInsync = number(settings, MIN_INSYNC);
    TopicReplication defaults = forBrokers(brokers);
    int resolvedFactor = factor == null ? defaults.factor() : factor;
    if (resolvedFactor > brokers) {
      throw new ConfigException(
          FACTOR,
          resolvedFactor,
          "the cluster has "
              + brokers
              + (brokers == 1 ? " broker" : " brokers")
              + ": a topic cannot have more replicas than brokers; set it to at most "
              + brokers);
    }
    int resolvedMin =
        minInsync != null
            ? minInsync
            : factor == null ? defaults.minInsyncReplicas() : Math.max(1, resolvedFactor - 1);
    return new TopicReplication(resolvedFactor, resolvedMin);
  }

  private static @Nullable Integer number(Map<?, ?> settings, String key) {
    Object value = settings.get(key);
    if (value == null || (value instanceof String text && text.isBlank())) {
      return null;
    }
    if (value instanceof Number n) {
      return n.intValue();
    }
    try {
      return Integer.valueOf(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, value, "must be a whole number");
    }
  }
}
