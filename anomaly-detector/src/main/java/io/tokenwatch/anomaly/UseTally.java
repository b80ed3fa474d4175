package io.tokenwatch.anomaly;

import java.util.ArrayList;
import java.util.List;

/**
 * Uses of one client's tokens seen on one partition of the use topic and not yet handed to the
 * per-client rules: the per-token step counts them here, so that USAGE_SPIKE costs one record per
 * client, partition and tally instead of one per use. Mutable; a state value.
 *
 * <p>A tally covers one bucket of {@link DetectionSettings#spikeBucket()}. It is handed on ({@link
 * #due}) when it holds {@link DetectionSettings#tallyUses()} uses or its uses span {@link
 * DetectionSettings#tallyPeriod()} of event time, both decided by the partition's own records (so a
 * replay hands on the same tallies as the live run), or when a use of another bucket arrives.
 */
public final class UseTally {

  /** Event ids kept as evidence per tally. */
  public static final int MAX_IDS = 4;

  long bucket = Long.MIN_VALUE;
  long firstAt;
  long lastAt;
  int count;
  String lastEventId = "";
  List<String> eventIds = new ArrayList<>(MAX_IDS);

  public UseTally() {}

  /** A tally as handed on: {@code count} uses of {@code bucket}. */
  public static UseTally of(
      long bucket, long firstAt, long lastAt, int count, String lastEventId, List<String> ids) {
    UseTally tally = new UseTally();
    tally.bucket = bucket;
    tally.firstAt = firstAt;
    tally.lastAt = lastAt;
    tally.count = count;
    tally.lastEventId = lastEventId;
    tally.eventIds = new ArrayList<>(ids.subList(0, Math.min(ids.size(), MAX_IDS)));
    return tally;
  }

  /** Whether a use of {@code useBucket} belongs to this tally (or the tally is empty). */
  public boolean accepts(long useBucket) {
    return count == 0 || useBucket == bucket;
  }

  /** Counts {@code use}, of {@code useBucket}. The caller checked {@link #accepts}. */
  public void add(String eventId, long at, long useBucket) {
    if (count == 0) {
      bucket = useBucket;
      firstAt = at;
      lastAt = at;
    }
    count++;
    firstAt = Math.min(firstAt, at);
    if (at >= lastAt) {
      lastAt = at;
      lastEventId = eventId;
    }
    if (eventIds.size() < MAX_IDS) {
      eventIds.add(eventId);
    }
  }

  /** Whether the tally is to be handed on now, after a use at {@code at}. */
  public boolean due(DetectionSettings settings, long at) {
    return count >= settings.tallyUses() || at - firstAt >= settings.tallyPeriod().toMillis();
  }

  /** Whether nothing is counted. */
  public boolean isEmpty() {
    return count == 0;
  }

  /** Bucket of the counted uses (epoch ms divided by the bucket length). */
  public long bucket() {
    return bucket;
  }

  /** Uses counted. */
  public int count() {
    return count;
  }

  /** Event time of the earliest counted use (epoch ms). */
  public long firstAt() {
    return firstAt;
  }

  /** Event time of the latest counted use (epoch ms). */
  public long lastAt() {
    return lastAt;
  }

  /** The event id of the latest counted use. */
  public String lastEventId() {
    return lastEventId;
  }

  /** The first few event ids counted, at most {@link #MAX_IDS}. */
  public List<String> eventIds() {
    return List.copyOf(eventIds);
  }
}
