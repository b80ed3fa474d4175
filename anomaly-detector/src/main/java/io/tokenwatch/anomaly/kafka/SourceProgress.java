package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.kafka.ClientSignal.Progress;
import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * How far one partition of one input (a {@link SourceKind}) has sent its client signals, kept by
 * the processor that sends them: the newest event time among the partition's records, and the
 * {@link Progress} sent. A record more than the allowed lateness older than the newest before it,
 * or not after the progress sent, is late: its signals are not sent, so what is sent is decided by
 * the partition's own records (and, live, by a partition idle on the wall clock). Both values are
 * in {@value AnomalyTopology#SOURCE_PROGRESS}, so a restarted task goes on where the last committed
 * one stopped.
 */
final class SourceProgress {
  private final SourceKind kind;
  private final int partition;
  private final boolean exists;
  private final Sources sources;
  private final KeyValueStore<String, Long> store;
  private long max;
  private long sent;
  private long lastRecordWall;

  private SourceProgress(
      SourceKind kind,
      int partition,
      Sources sources,
      KeyValueStore<String, Long> store,
      long now) {
    this.kind = kind;
    this.partition = partition;
    this.exists = partition < sources.partitions().of(kind);
    this.sources = sources;
    this.store = store;
    Long storedMax = store.get(maxKey());
    Long storedSent = store.get(sentKey());
    this.max = storedMax == null ? Long.MIN_VALUE : storedMax;
    this.sent = storedSent == null ? Long.MIN_VALUE : storedSent;
    this.lastRecordWall = now;
  }

  /** The progress of {@code kind} on the partition of {@code context}'s task. */
  static SourceProgress of(ProcessorContext<?, ?> context, SourceKind kind, Sources sources) {
    KeyValueStore<String, Long> store = context.getStateStore(AnomalyTopology.SOURCE_PROGRESS);
    return new SourceProgress(
        kind, context.taskId().partition(), sources, store, context.currentSystemTimeMs());
  }

  /** The partition of the input this progress is of. */
  int partition() {
    return partition;
  }

  /**
   * Notes a record of event time {@code at}, read at {@code wallClock}; whether its signals go on
   * (false: it is late).
   */
  boolean admit(long at, long wallClock) {
    lastRecordWall = wallClock;
    sources.activity().recorded(partition, wallClock);
    boolean onTime = at > sealed();
    if (at > max) {
      max = at;
      store.put(maxKey(), at);
    }
    return onTime;
  }

  /** The newest event time among the partition's records; {@link Long#MIN_VALUE} before any. */
  long newest() {
    return max;
  }

  /** The newest event time at or before which no record's signals go on any more. */
  long sealed() {
    long own = max == Long.MIN_VALUE ? Long.MIN_VALUE : max - sources.latenessMs() - 1;
    return Math.max(sent, own);
  }

  /**
   * The progress to send, if it advanced: everything up to the sealed time, except that nothing at
   * or after {@code pendingFrom} is promised (a signal still being gathered will carry a time at or
   * after it); {@link Long#MAX_VALUE} when nothing is pending.
   */
  Optional<Progress> next(long pendingFrom) {
    long upTo =
        Math.min(sealed(), pendingFrom == Long.MAX_VALUE ? Long.MAX_VALUE : pendingFrom - 1);
    return advanceTo(upTo);
  }

  /**
   * Live only: whether the partition had no record for the idle time of the wall clock, so its
   * progress may follow the wall clock.
   */
  boolean idle(long wallClock) {
    return sources.idleMs() > 0 && wallClock - lastRecordWall >= sources.idleMs();
  }

  /**
   * The progress of an idle partition, once nothing is pending: the wall clock less the idle time
   * and the allowed lateness, or its own if that is further. While its task still reads records of
   * its other inputs, not past the task's stream time either: a task catching up (a restart after
   * an outage) reads its partitions in timestamp order, so a quiet partition's next records may be
   * waiting behind the others' older ones, and must not be late when they come.
   */
  Optional<Progress> idleProgress(long wallClock, long streamTime) {
    long bound = wallClock - sources.idleMs();
    if (streamTime >= 0 && sources.activity().busy(partition, wallClock, sources.idleMs())) {
      bound = Math.min(bound, streamTime);
    }
    return advanceTo(Math.max(sealed(), bound - sources.latenessMs()));
  }

  /** The source's end (a replay's inputs are all read): everything is sent. */
  Optional<Progress> end() {
    return advanceTo(Long.MAX_VALUE);
  }

  private Optional<Progress> advanceTo(long upTo) {
    if (!exists || upTo <= sent) {
      return Optional.empty();
    }
    sent = upTo;
    store.put(sentKey(), upTo);
    return Optional.of(new Progress(partition, kind, upTo));
  }

  private String maxKey() {
    return kind.name() + "|max";
  }

  private String sentKey() {
    return kind.name() + "|sent";
  }
}
