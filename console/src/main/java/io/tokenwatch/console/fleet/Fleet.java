package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The validator fleet from its status reports: the latest report of every validator, the
 * revocations each applied recently and a short history of its feed positions. Reports arrive in
 * any order a topic replay gives; a report older than the one kept (an earlier start, or a lower
 * sequence of the same start) does not replace it. Thread-safe.
 */
public final class Fleet {

  /** A validator whose last report is older than this many of its intervals is overdue. */
  public static final int OVERDUE_INTERVALS = 3;

  /** How many applied revocations per validator the propagation times are taken from. */
  public static final int PROPAGATION_WINDOW = 100;

  /** How many applied revocations per validator are kept to answer {@link #reach}. */
  static final int APPLIED_KEPT = 1_000;

  /** How many reports per validator are kept to date the feed passing a record. */
  static final int HISTORY_KEPT = 200;

  private final Duration maxStaleness;
  private final Map<String, Validator> validators = new TreeMap<>();

  /**
   * @param maxStaleness the staleness above which a validator is shown stale
   */
  public Fleet(Duration maxStaleness) {
    requireNonNull(maxStaleness, "maxStaleness");
    if (maxStaleness.isNegative() || maxStaleness.isZero()) {
      throw new IllegalArgumentException("maxStaleness must be positive: " + maxStaleness);
    }
    this.maxStaleness = maxStaleness;
  }

  /** The staleness above which a validator is shown stale. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  /** An applied revocation, and whether its record was produced after the validator started. */
  private record Seen(ValidatorReport.Applied applied, boolean live) {}

  private static final class Validator {
    ValidatorReport latest;
    final Deque<ValidatorReport> history = new ArrayDeque<>();
    final Deque<Seen> applied = new ArrayDeque<>();
    final Set<String> appliedKeys = new HashSet<>();

    Validator(ValidatorReport first) {
      this.latest = first;
    }
  }

  /** Takes in one report. */
  public synchronized void report(ValidatorReport report) {
    requireNonNull(report, "report");
    Validator validator = validators.get(report.validatorId());
    if (validator == null) {
      validator = new Validator(report);
      validators.put(report.validatorId(), validator);
    } else if (newer(report, validator.latest)) {
      validator.latest = report;
    }
    validator.history.addLast(report);
    while (validator.history.size() > HISTORY_KEPT) {
      validator.history.removeFirst();
    }
    for (ValidatorReport.Applied applied : report.recent()) {
      String key = applied.topic() + "-" + applied.partition() + "@" + applied.offset();
      if (!validator.appliedKeys.add(key)) {
        continue;
      }
      // A record produced before the validator started was read while bootstrapping: how long
      // it took says nothing about propagation.
      boolean live = !applied.recordTimestamp().isBefore(report.startedAt());
      validator.applied.addLast(new Seen(applied, live));
      while (validator.applied.size() > APPLIED_KEPT) {
        Seen dropped = validator.applied.removeFirst();
        validator.appliedKeys.remove(
            dropped.applied().topic()
                + "-"
                + dropped.applied().partition()
                + "@"
                + dropped.applied().offset());
      }
    }
  }

  /** Forgets a validator (its key's tombstone on the status topic). */
  public synchronized void forget(String validatorId) {
    validators.remove(requireNonNull(validatorId, "validatorId"));
  }

  /** The validators known, by id. */
  public synchronized List<String> validatorIds() {
    return List.copyOf(validators.keySet());
  }

  /** Every validator's row as of {@code now}, by id. */
  public synchronized List<FleetRow> rows(Instant now) {
    requireNonNull(now, "now");
    List<FleetRow> rows = new ArrayList<>();
    for (Validator validator : validators.values()) {
      rows.add(row(validator, now));
    }
    return rows;
  }

  /** One validator's row as of {@code now}. */
  public synchronized Optional<FleetRow> row(String validatorId, Instant now) {
    Validator validator = validators.get(validatorId);
    return validator == null ? Optional.empty() : Optional.of(row(validator, now));
  }

  /**
   * Whether the revocation of {@code selector} requested at {@code since} (records produced before
   * it belong to an earlier revocation of the same selector) has reached {@code validatorId}: a
   * report lists it as applied, or a report shows the feed past one of its {@code records}.
   */
  public synchronized Reach reach(
      String validatorId, String selector, Instant since, RevocationRecords records) {
    requireNonNull(selector, "selector");
    requireNonNull(since, "since");
    requireNonNull(records, "records");
    Validator validator = validators.get(validatorId);
    if (validator == null) {
      return new Reach.NotYet();
    }
    ValidatorReport.@Nullable Applied first = null;
    for (Seen seen : validator.applied) {
      ValidatorReport.Applied applied = seen.applied();
      if (applied.selector().equals(selector)
          && !applied.recordTimestamp().isBefore(since)
          && (first == null || applied.appliedAt().isBefore(first.appliedAt()))) {
        first = applied;
      }
    }
    if (first != null) {
      return new Reach.Reached(first.appliedAt(), first.propagation(), true);
    }
    List<RevocationRecords.Landed> landed = records.of(selector, since);
    for (ValidatorReport report : validator.history) {
      for (RevocationRecords.Landed record : landed) {
        Optional<Long> next = report.nextOffset(record.topic(), record.partition());
        if (next.isPresent() && next.get() > record.offset()) {
          return new Reach.Reached(
              report.occurredAt(),
              Duration.between(record.timestamp(), report.occurredAt()),
              false);
        }
      }
    }
    return new Reach.NotYet();
  }

  private FleetRow row(Validator validator, Instant now) {
    ValidatorReport latest = validator.latest;
    Duration age = Duration.between(latest.occurredAt(), now);
    if (age.isNegative()) {
      age = Duration.ZERO;
    }
    List<Problem> problems = new ArrayList<>();
    Duration allowed = latest.interval().multipliedBy(OVERDUE_INTERVALS);
    if (age.compareTo(allowed) > 0) {
      problems.add(new Problem.Overdue(age, allowed));
    }
    if (!latest.ready()) {
      problems.add(new Problem.NotReady());
    } else if (latest.staleness() != null && latest.staleness().compareTo(maxStaleness) > 0) {
      problems.add(new Problem.Stale(latest.staleness(), maxStaleness));
    }
    List<Duration> times = new ArrayList<>();
    List<Seen> window = new ArrayList<>(validator.applied);
    for (int i = window.size() - 1; i >= 0 && times.size() < PROPAGATION_WINDOW; i--) {
      if (window.get(i).live()) {
        times.add(window.get(i).applied().propagation());
      }
    }
    times.sort(Comparator.naturalOrder());
    Duration median = times.isEmpty() ? null : times.get((times.size() - 1) / 2);
    Duration max = times.isEmpty() ? null : times.get(times.size() - 1);
    return new FleetRow(
        latest.validatorId(),
        latest.audience(),
        latest.positions(),
        age,
        latest.interval(),
        latest.ready(),
        latest.staleness(),
        median,
        max,
        times.size(),
        latest.liveRevocations(),
        problems);
  }

  private static boolean newer(ValidatorReport candidate, ValidatorReport kept) {
    int byStart = candidate.startedAt().compareTo(kept.startedAt());
    return byStart > 0 || (byStart == 0 && candidate.sequence() > kept.sequence());
  }
}
