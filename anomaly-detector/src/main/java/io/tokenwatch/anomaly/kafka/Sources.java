package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.time.Duration;

/**
 * How the inputs of the per-client rules report their progress.
 *
 * @param partitions how many partitions each input has: the sources the rules wait for
 * @param latenessMs a record this much older than the newest of its partition still counts
 * @param idleMs live: a partition without a record for this long (wall clock) follows the wall
 *     clock; 0 in a replay, which never reads the wall clock
 * @param progressEvery how often (stream time) each source sends its progress
 * @param activity when each task of the per-token rules last read a record (wall clock), shared by
 *     the sources of one topology
 */
record Sources(
    AnomalyTopology.SourcePartitions partitions,
    long latenessMs,
    long idleMs,
    Duration progressEvery,
    TaskActivity activity) {

  Sources {
    requireNonNull(partitions, "partitions");
    requireNonNull(progressEvery, "progressEvery");
    requireNonNull(activity, "activity");
    if (latenessMs < 0 || idleMs < 0) {
      throw new IllegalArgumentException("lateness and idle time must not be negative");
    }
  }

  /** Whether partition {@code partition} of {@code kind} is one the rules wait for. */
  boolean expected(SourceKind kind, int partition) {
    return partition >= 0 && partition < partitions.of(kind);
  }
}
