package io.tokenwatch.anomaly.kafka;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * When each task of the per-token rules last read a record of any of its inputs, by the wall clock:
 * lets a quiet input tell a quiet task (it may follow the wall clock) from a task still reading its
 * other inputs, as one catching up does (it must not pass the task's stream time). A liveness hint
 * only, kept in memory for the instance's tasks; thread-safe, since each task runs on one of the
 * stream threads.
 */
final class TaskActivity {
  private final ConcurrentMap<Integer, Long> lastRecord = new ConcurrentHashMap<>();

  /** Task {@code task} read a record at {@code wallClock}. */
  void recorded(int task, long wallClock) {
    lastRecord.merge(task, wallClock, Math::max);
  }

  /**
   * Whether task {@code task} read a record less than {@code withinMs} before {@code wallClock}.
   */
  boolean busy(int task, long wallClock, long withinMs) {
    Long last = lastRecord.get(task);
    return last != null && wallClock - last < withinMs;
  }
}
