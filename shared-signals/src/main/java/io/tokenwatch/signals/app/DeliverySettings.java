package io.tokenwatch.signals.app;

import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.signals.PushPolicy;
import java.time.Duration;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;

/**
 * How SETs are delivered: push retries and backoff, how long pending SETs are kept, polling limits.
 */
final class DeliverySettings {

  static final String PUSH_TIMEOUT_MS = "signals.push.timeout-ms";
  static final String PUSH_BACKOFF_INITIAL_MS = "signals.push.backoff-initial-ms";
  static final String PUSH_BACKOFF_MAX_MS = "signals.push.backoff-max-ms";
  static final String PUSH_THREADS = "signals.push.threads";
  static final String PUSH_BUFFER_PER_STREAM = "signals.push.buffer-per-stream";
  static final String PUSH_GROUP_ID = "signals.push.group-id";
  static final String PENDING_MAX_AGE_MS = "signals.pending.max-age-ms";
  static final String FANOUT_GROUP_ID = "signals.fanout.group-id";
  static final String KEYS_RELOAD_MS = "signals.keys.reload-ms";

  /** The retention of tokenwatch.ssf-events; pending SETs must be given up before they vanish. */
  static final Duration EVENTS_RETENTION = Duration.ofDays(7);

  private DeliverySettings() {}

  /** The typed values of this part's keys. */
  record Values(
      PushPolicy push,
      int threads,
      int bufferPerStream,
      String pushGroupId,
      String fanoutGroupId,
      Duration keysReload) {}

  /** Declares this part's keys. */
  static ConfigDef define(ConfigDef def) {
    return def.define(
            PUSH_TIMEOUT_MS,
            ConfigDef.Type.LONG,
            10_000L,
            Range.between(100L, 300_000L),
            Importance.MEDIUM,
            "How long one push (RFC 8935 POST of a SET) may take, connecting included, before it"
                + " counts as failed and is retried.")
        .define(
            PUSH_BACKOFF_INITIAL_MS,
            ConfigDef.Type.LONG,
            1_000L,
            Range.atLeast(1L),
            Importance.LOW,
            "Wait after a stream's first failed push; doubled after each further failure, with"
                + " jitter.")
        .define(
            PUSH_BACKOFF_MAX_MS,
            ConfigDef.Type.LONG,
            300_000L,
            Range.atLeast(1L),
            Importance.LOW,
            "Longest wait between two pushes to a failing receiver; at least"
                + " signals.push.backoff-initial-ms.")
        .define(
            PENDING_MAX_AGE_MS,
            ConfigDef.Type.LONG,
            Duration.ofHours(24).toMillis(),
            Range.between(1L, EVENTS_RETENTION.toMillis() - 1),
            Importance.MEDIUM,
            "A push stream whose oldest undelivered SET is older than this is disabled (status"
                + " reason says why), a SecurityAlert SSF_STREAM_DISABLED is raised and its pending"
                + " SETs are skipped. Below the 7-day retention of tokenwatch.ssf-events.")
        .define(
            PUSH_THREADS,
            ConfigDef.Type.INT,
            16,
            Range.between(1, 256),
            Importance.LOW,
            "Push delivery threads: how many receivers may be waited on at once. A push holds its"
                + " thread until the receiver answers, so with 10 receivers at 100 SETs/s each, 4"
                + " threads fell seconds behind on two cores (docs/benchmarks/shared-signals.md).")
        .define(
            PUSH_BUFFER_PER_STREAM,
            ConfigDef.Type.INT,
            1_000,
            Range.between(1, 100_000),
            Importance.LOW,
            "Undelivered SETs of one stream held in memory; beyond it a failing stream re-reads"
                + " tokenwatch.ssf-events from its cursor once its receiver answers again.")
        .define(
            PUSH_GROUP_ID,
            ConfigDef.Type.STRING,
            "tokenwatch-ssf-push",
            io.tokenwatch.schemas.config.ConfigValidators.nonBlank(),
            Importance.LOW,
            "Consumer group of push delivery over tokenwatch.ssf-events; instances share its"
                + " partitions.")
        .define(
            FANOUT_GROUP_ID,
            ConfigDef.Type.STRING,
            "tokenwatch-ssf-fanout",
            io.tokenwatch.schemas.config.ConfigValidators.nonBlank(),
            Importance.LOW,
            "Consumer group of the fan-out over tokenwatch.revocations and"
                + " tokenwatch.revocation-fast-path.")
        .define(
            KEYS_RELOAD_MS,
            ConfigDef.Type.LONG,
            30_000L,
            Range.atLeast(100L),
            Importance.LOW,
            "How often the issuer's key directory is re-read, so SETs are signed with its new key"
                + " after a rotation.");
  }

  /**
   * The typed values.
   *
   * @throws ConfigException when the backoff bounds contradict each other
   */
  static Values of(ConfigValues values) {
    Duration initial = Duration.ofMillis(values.longValue(PUSH_BACKOFF_INITIAL_MS));
    Duration max = Duration.ofMillis(values.longValue(PUSH_BACKOFF_MAX_MS));
    if (max.compareTo(initial) < 0) {
      throw new ConfigException(
          PUSH_BACKOFF_MAX_MS, max.toMillis(), "must be at least " + PUSH_BACKOFF_INITIAL_MS);
    }
    return new Values(
        new PushPolicy(
            Duration.ofMillis(values.longValue(PUSH_TIMEOUT_MS)),
            initial,
            max,
            Duration.ofMillis(values.longValue(PENDING_MAX_AGE_MS))),
        values.intValue(PUSH_THREADS),
        values.intValue(PUSH_BUFFER_PER_STREAM),
        values.string(PUSH_GROUP_ID),
        values.string(FANOUT_GROUP_ID),
        Duration.ofMillis(values.longValue(KEYS_RELOAD_MS)));
  }
}
